// The leads app rendered against a fake API (an in-memory fetch) and a fake
// live stream: the board, the debounced search, an optimistic move that a
// 412 rolls back, a live new lead, the lost dialog and the drawer.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SystemEvent } from '../../generated/events';
import type { AppContext } from '../../shell/types';
import type { Lead } from './model';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// --- A fake live stream --------------------------------------------------------

const live = vi.hoisted(() => {
  const handlers = new Set<{ pattern: string; fn: (e: unknown) => void }>();
  return {
    handlers,
    emit(e: { type: string }) {
      for (const h of [...handlers]) if (h.pattern === e.type || (h.pattern.endsWith('.') && e.type.startsWith(h.pattern))) h.fn(e);
    },
  };
});
vi.mock('../../lib/live', async () => {
  const { atom } = await import('nanostores');
  return {
    $liveStatus: atom('open'),
    onEvent: (pattern: string, fn: (e: unknown) => void) => {
      const h = { pattern, fn };
      live.handlers.add(h);
      return () => live.handlers.delete(h);
    },
  };
});

// --- A fake API ------------------------------------------------------------------

const ids = { ada: '00000000-0000-4000-8000-00000000000a', bob: '00000000-0000-4000-8000-00000000000b', cy: '00000000-0000-4000-8000-00000000000c', dee: '00000000-0000-4000-8000-00000000000d' };

let db: Map<string, Lead>;
let calls: { method: string; url: URL; body: unknown }[];
let statusAnswer: ((id: string, body: Record<string, unknown>) => Response) | null;

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
const problem = (status: number, detail: string) => json(status, { type: 'about:blank', title: 'x', status, detail, trace_id: 't' });

function seed() {
  db = new Map<string, Lead>([
    [ids.ada, { id: ids.ada, name: 'Ada Lovelace', email: 'ada@engines.co', company: 'Analytical', source: 'website', status: 'new', version: 1, value: { amount: 120000, currency: 'EUR' }, notes: 'Wants a quote', created_at: '2025-06-01T10:00:00Z' }],
    [ids.bob, { id: ids.bob, name: 'Bob Moog', company: 'Synths', source: 'manual', status: 'new', version: 1, value: null, created_at: '2025-06-02T10:00:00Z' }],
    [ids.cy, { id: ids.cy, name: 'Cy Twombly', source: 'manual', status: 'won', version: 3, value: { amount: 2500000, currency: 'USD' }, created_at: '2025-05-02T10:00:00Z' }],
  ]);
}

const matches = (l: Lead, q: string | null, source: string | null) =>
  (!q || [l.name, l.email, l.company].some((v) => v?.toLowerCase().includes(q.toLowerCase()))) && (!source || l.source === source);

async function fakeFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(String(input), 'http://127.0.0.1:8080');
  const method = init.method ?? 'GET';
  const body = init.body ? JSON.parse(String(init.body)) : undefined;
  calls.push({ method, url, body });
  const p = url.pathname;
  const q = url.searchParams;
  if (method === 'GET' && p === '/api/v1/leads/summary') {
    const cols = (['new', 'contacted', 'qualified', 'won', 'lost'] as const).map((status) => {
      const ls = [...db.values()].filter((l) => l.status === status && matches(l, q.get('q'), q.get('source')));
      const by = new Map<string, number>();
      for (const l of ls) if (l.value) by.set(l.value.currency, (by.get(l.value.currency) ?? 0) + l.value.amount);
      return { status, leads: ls.length, value: [...by].map(([currency, amount]) => ({ currency, amount })) };
    });
    return json(200, { data: cols, error: null, meta: {} });
  }
  if (method === 'GET' && p === '/api/v1/leads') {
    const ls = [...db.values()].filter((l) => l.status === q.get('status') && matches(l, q.get('q'), q.get('source')));
    return json(200, { data: ls, error: null, meta: {} });
  }
  const m = /^\/api\/v1\/leads\/([^/]+)(\/.*)?$/.exec(p);
  const lead = m && db.get(m[1]!);
  if (m && !lead) return problem(404, 'No such lead.');
  if (m && lead) {
    const rest = m[2] ?? '';
    if (method === 'GET' && rest === '') return json(200, { data: lead, error: null, meta: {} });
    if (method === 'POST' && rest === '/status') {
      if (statusAnswer) return statusAnswer(lead.id!, body);
      const next = { ...lead, status: body.status, version: (lead.version ?? 0) + 1, lost_reason: body.lost_reason ?? null };
      db.set(lead.id!, next);
      return json(200, { data: next, error: null, meta: {} });
    }
    if (method === 'GET' && rest === '/activities') {
      return json(200, { data: [{ id: 'act-1', kind: 'created', detail: { source: lead.source }, actor: 'system:website-form', created_at: '2025-06-01T10:00:00Z' }], error: null, meta: {} });
    }
    if (method === 'GET' && rest === '/followups') {
      return json(200, { data: { workflow_id: 'wf', past: [], upcoming: [{ step: 1, due_at: '2099-06-03T09:00:00Z' }, { step: 2, due_at: '2099-06-06T09:00:00Z' }] }, error: null, meta: {} });
    }
  }
  return problem(500, `unexpected ${method} ${p}`);
}

// --- Mounting -----------------------------------------------------------------------

const navigate = vi.fn();
const ctx = (path = ''): AppContext => ({
  app: 'leads',
  base: '/leads',
  path,
  search: new URLSearchParams(),
  orgId: 'org-1',
  navigate,
  signal: new AbortController().signal,
});

let el: HTMLElement;
let mod: typeof import('./index');

async function mount(path = '') {
  mod = await import('./index');
  el = document.createElement('div');
  document.body.append(el);
  await act(async () => mod.mount(el, ctx(path)));
  await settle();
}

/** Lets fetches, effects and short timers run. */
async function settle(ms = 0) {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

const column = (status: string) => el.querySelector<HTMLElement>(`section.leads-col--${status}`)!;
const names = (status: string) => [...column(status).querySelectorAll('.lead-card__name')].map((n) => n.textContent);
const link = (name: string) => [...el.querySelectorAll<HTMLAnchorElement>('.lead-card__link')].find((a) => a.textContent?.includes(name))!;
const say = () => el.querySelector('[aria-live="polite"]')?.textContent ?? '';

beforeEach(() => {
  seed();
  calls = [];
  statusAnswer = null;
  navigate.mockReset();
  live.handlers.clear();
  vi.stubGlobal('fetch', vi.fn(fakeFetch));
});

afterEach(async () => {
  await act(async () => mod?.unmount());
  el?.remove();
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

describe('the leads board', () => {
  it('shows a skeleton, then the columns with their counts, values and cards', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => gate.then(() => fakeFetch(input, init))));
    mod = await import('./index');
    el = document.createElement('div');
    document.body.append(el);
    await act(async () => mod.mount(el, ctx()));
    expect(el.querySelectorAll('[role="status"][aria-label="Loading leads"]')).toHaveLength(5);
    open();
    await settle();
    expect([...el.querySelectorAll('.leads-col__title')].map((h) => h.textContent)).toEqual([
      'New2, 2 leads',
      'Contacted0, 0 leads',
      'Qualified0, 0 leads',
      'Won1, 1 lead',
      'Lost0, 0 leads',
    ]);
    expect(column('new').querySelector('.leads-col__value [aria-hidden]')?.textContent).toBe('€1,200');
    expect(column('won').querySelector('.leads-col__value')?.textContent).toBe('$25,000Worth $25,000');
    expect(column('contacted').querySelector('.leads-col__value')?.textContent).toBe('No value yet');
    expect(names('new')).toEqual(['Ada Lovelace', 'Bob Moog']);
    expect(el.querySelector('.leads-total')?.textContent).toBe('3 leads · Open €1,200');
    // One card in the tab order.
    expect([...el.querySelectorAll('.lead-card__link')].map((a) => a.getAttribute('tabindex'))).toEqual(['0', '-1', '-1']);
    expect(link('Ada').getAttribute('href')).toBe(`/leads/${ids.ada}`);
  });

  it('searches once the typing pauses, in the list and the summary', async () => {
    await mount();
    calls = [];
    const input = el.querySelector<HTMLInputElement>('input[type="search"]')!;
    const type = async (v: string) =>
      act(async () => {
        const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        set.call(input, v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
    await type('b');
    await type('bo');
    await type('bob');
    await settle(100);
    expect(calls).toEqual([]); // still typing
    await settle(300);
    const qs = calls.map((c) => c.url.searchParams.get('q'));
    expect(new Set(qs)).toEqual(new Set(['bob']));
    expect(calls.filter((c) => c.url.pathname === '/api/v1/leads/summary')).toHaveLength(1);
    expect(calls.filter((c) => c.url.pathname === '/api/v1/leads')).toHaveLength(5);
    expect(names('new')).toEqual(['Bob Moog']);
    expect(navigate).toHaveBeenCalledWith('/leads?q=bob', { replace: true });
  });

  it('moves a card with Shift+→ at once, and keeps the focus on it', async () => {
    await mount();
    let answer: (r: Response) => void = () => {};
    statusAnswer = () => new Promise<Response>((r) => (answer = r)) as unknown as Response;
    await act(async () => link('Ada').focus());
    await act(async () => {
      link('Ada').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true }));
    });
    expect(names('contacted')).toEqual(['Ada Lovelace']);
    expect(names('new')).toEqual(['Bob Moog']);
    expect(document.activeElement).toBe(link('Ada'));
    expect(column('contacted').querySelector('.leads-col__count')?.textContent).toBe('1');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url.pathname).toBe(`/api/v1/leads/${ids.ada}/status`);
    expect(post.body).toEqual({ status: 'contacted', version: 1 });
    await act(async () => answer(json(200, { data: { ...db.get(ids.ada), status: 'contacted', version: 2 }, error: null, meta: {} })));
    await settle(60);
    expect(names('contacted')).toEqual(['Ada Lovelace']);
    expect(say()).toBe('Moved Ada Lovelace to Contacted.');
  });

  it('rolls a move back on a 412, says so, and shows the lead as it now is', async () => {
    await mount();
    let answer: () => void = () => {};
    statusAnswer = (id) =>
      new Promise<Response>((r) => {
        answer = () => {
          // Someone qualified Ada meanwhile.
          db.set(id, { ...db.get(id)!, status: 'qualified', version: 2 });
          r(problem(412, 'The lead changed since you read it.'));
        };
      }) as unknown as Response;
    await act(async () => link('Ada').focus());
    await act(async () => {
      link('Ada').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true }));
    });
    expect(names('contacted')).toEqual(['Ada Lovelace']);
    await act(async () => answer());
    await settle(20);
    expect(el.querySelector('.leads-notice--error')?.textContent).toContain('Someone else changed Ada Lovelace a moment ago, so it stays in New');
    expect(names('contacted')).toEqual([]);
    expect(names('qualified')).toEqual(['Ada Lovelace']);
    expect(calls.some((c) => c.method === 'GET' && c.url.pathname === `/api/v1/leads/${ids.ada}`)).toBe(true);
  });

  it('rolls back on any other failure', async () => {
    await mount();
    statusAnswer = () => problem(500, 'Something went wrong on our side.');
    await act(async () => link('Bob').focus());
    await act(async () => {
      link('Bob').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true }));
    });
    await settle(20);
    expect(names('new')).toEqual(['Ada Lovelace', 'Bob Moog']);
    expect(el.querySelector('.leads-notice--error')?.textContent).toContain('Bob Moog could not move to Contacted, so it is back in New.');
  });

  it('moves the focus with the arrow keys', async () => {
    await mount();
    await act(async () => link('Ada').focus());
    await act(async () => {
      link('Ada').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    });
    expect(document.activeElement).toBe(link('Bob'));
    await act(async () => {
      link('Bob').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    });
    expect(document.activeElement).toBe(link('Cy'));
    expect(link('Cy').getAttribute('tabindex')).toBe('0');
  });

  it('asks why a lead was lost before moving it there', async () => {
    await mount();
    const card = link('Bob').closest('li')!;
    await act(async () => card.querySelector<HTMLButtonElement>('.move-menu__button')!.click());
    const items = [...el.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    expect(items.map((b) => b.textContent)).toEqual(['Move to Contacted', 'Move to Qualified', 'Move to Won', 'Move to Lost…']);
    await act(async () => items[3]!.click());
    const dialog = el.querySelector('dialog')!;
    expect(dialog.textContent).toContain('Mark Bob Moog as lost');
    await act(async () => dialog.querySelector<HTMLFormElement>('form')!.requestSubmit());
    expect(dialog.textContent).toContain('Say why');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await act(async () => [...dialog.querySelectorAll<HTMLButtonElement>('.leads-chip')].find((b) => b.textContent === 'No budget')!.click());
    await act(async () => dialog.querySelector<HTMLFormElement>('form')!.requestSubmit());
    await settle(20);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ status: 'lost', version: 1, lost_reason: 'No budget' });
    expect(names('lost')).toEqual(['Bob Moog']);
    expect(el.querySelector('dialog')).toBeNull();
  });

  it('shows a new lead from the live stream, and its column’s new totals', async () => {
    await mount();
    db.set(ids.dee, { id: ids.dee, name: 'Dee Hock', source: 'website', status: 'new', version: 1, value: { amount: 50000, currency: 'EUR' } });
    calls = [];
    const event = { type: 'xentri.lead.created.v1', payload: { lead_id: ids.dee, source: 'website', status: 'new' } } as SystemEvent<'xentri.lead.created.v1'>;
    await act(async () => live.emit(event));
    await settle(300);
    expect(names('new')).toEqual(['Dee Hock', 'Ada Lovelace', 'Bob Moog']);
    expect(column('new').querySelector('.leads-col__value [aria-hidden]')?.textContent).toBe('€1,700');
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`).sort()).toEqual([`GET /api/v1/leads/${ids.dee}`, 'GET /api/v1/leads/summary']);
  });

  it('reloads the board once for a burst of events (an import), instead of reading each lead', async () => {
    await mount();
    calls = [];
    for (let i = 0; i < 20; i++) {
      const id = `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`;
      db.set(id, { id, name: `Imported ${i}`, source: 'import', status: 'new', version: 1 });
      await act(async () => live.emit({ type: 'xentri.lead.created.v1', payload: { lead_id: id, source: 'import', status: 'new' } } as never));
    }
    await settle(300);
    const got = calls.map((c) => c.url.pathname);
    expect(got.filter((p) => p === '/api/v1/leads')).toHaveLength(5);
    expect(got.filter((p) => p === '/api/v1/leads/summary')).toHaveLength(1);
    expect(got.filter((p) => /\/api\/v1\/leads\/0/.test(p))).toHaveLength(0);
    expect(names('new')).toHaveLength(22);
  });

  it('moves a card someone else moved, live', async () => {
    await mount();
    db.set(ids.ada, { ...db.get(ids.ada)!, status: 'won', version: 2 });
    await act(async () => live.emit({ type: 'xentri.lead.updated.v1', payload: { lead_id: ids.ada, changes: ['status'], status: 'won', previous_status: 'new' } } as never));
    await settle(300);
    expect(names('won')).toEqual(['Ada Lovelace', 'Cy Twombly']);
    expect(column('won').querySelector('.leads-col__count')?.textContent).toBe('2');
  });
});

describe('the lead drawer', () => {
  it('opens at /leads/{id} with the lead, its follow-ups and timeline; Escape closes it', async () => {
    await mount(`/${ids.ada}`);
    await settle(20);
    const dialog = el.querySelector<HTMLDialogElement>('dialog.leads-drawer')!;
    expect(dialog).not.toBeNull();
    expect(dialog.querySelector('h2')?.textContent).toBe('Ada Lovelace');
    expect(dialog.querySelector('.leads-drawer__sub')?.textContent).toContain('€1,200');
    expect(dialog.querySelectorAll('.leads-followup')).toHaveLength(2);
    expect(dialog.querySelector('.leads-timeline__title')?.textContent).toBe('Lead added, from website');
    expect(dialog.querySelector('.leads-timeline__meta')?.textContent).toContain('Website form');
    expect(dialog.querySelector<HTMLTextAreaElement>('textarea')?.value).toBe('Wants a quote');
    await act(async () => {
      dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(navigate).toHaveBeenCalledWith('/leads');
  });

  it('saves details with the version read, and merges someone else’s change on a 412', async () => {
    await mount(`/${ids.ada}`);
    await settle(20);
    const dialog = el.querySelector<HTMLDialogElement>('dialog.leads-drawer')!;
    const phone = dialog.querySelector<HTMLInputElement>('input[type="tel"]')!;
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(phone, '+44 20 7946 0000');
      phone.dispatchEvent(new Event('input', { bubbles: true }));
    });
    // Someone else changes the company first.
    db.set(ids.ada, { ...db.get(ids.ada)!, company: 'Analytical Ltd', version: 2 });
    const real = fetch;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
        if (init.method === 'PUT') {
          const body = JSON.parse(String(init.body));
          calls.push({ method: 'PUT', url: new URL(String(input), 'http://x'), body });
          const cur = db.get(ids.ada)!;
          if (body.version !== cur.version) return problem(412, 'stale');
          const { version: _, ...input2 } = body;
          const next = { ...cur, ...input2, version: cur.version! + 1 };
          db.set(ids.ada, next);
          return json(200, { data: next, error: null, meta: {} });
        }
        return real(input, init);
      }),
    );
    const details = [...dialog.querySelectorAll('form')].find((f) => f.textContent?.includes('Save changes'))!;
    await act(async () => details.requestSubmit());
    await settle(20);
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({ version: 1, phone: '+44 20 7946 0000', company: 'Analytical' });
    expect(dialog.querySelector('.leads-notice--warning')?.textContent).toContain('Someone else changed company while you were editing');
    // Their company is in, the user's phone is kept; saving again sends both, on the new version.
    expect(phone.value).toBe('+44 20 7946 0000');
    await act(async () => details.requestSubmit());
    await settle(20);
    const again = calls.filter((c) => c.method === 'PUT')[1]!;
    expect(again.body).toMatchObject({ version: 2, phone: '+44 20 7946 0000', company: 'Analytical Ltd' });
    expect(db.get(ids.ada)).toMatchObject({ version: 3, phone: '+44 20 7946 0000', company: 'Analytical Ltd' });
  });

  it('snoozes the next follow-up', async () => {
    await mount(`/${ids.ada}`);
    await settle(20);
    const real = fetch;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
        if (String(input).endsWith('/followups/snooze')) {
          calls.push({ method: 'POST', url: new URL(String(input), 'http://x'), body: JSON.parse(String(init.body)) });
          return new Response(null, { status: 204 });
        }
        return real(input, init);
      }),
    );
    const chip = [...el.querySelectorAll<HTMLButtonElement>('.leads-snooze .leads-chip')].find((b) => b.textContent === 'In 3 days')!;
    await act(async () => chip.click());
    await settle(20);
    const snooze = calls.find((c) => c.url.pathname.endsWith('/followups/snooze'))!;
    expect(Date.parse((snooze.body as { until: string }).until)).toBeGreaterThan(Date.now());
    expect(el.querySelector('.leads-success')?.textContent).toMatch(/^Next follow-up moved to /);
  });

  it('says so when the lead is not there', async () => {
    await mount('/00000000-0000-4000-8000-0000000000ff');
    await settle(20);
    expect(el.querySelector('dialog [role="alert"]')?.textContent).toContain('No such lead.');
  });
});
