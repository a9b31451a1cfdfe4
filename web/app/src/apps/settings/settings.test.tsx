import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $org, $orgs, $session } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import {
  allScopes,
  cadenceSteps,
  checkPattern,
  checkWebhookURL,
  collect,
  grantable,
  parseCadence,
  secretOf,
  toggleScope,
  tokenFlow,
  whyNotChange,
  whyNotRemove,
  withRole,
  withoutSecret,
  type Member,
  type NewToken,
  type TokenFlow,
} from './model';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const member = (user_id: string, role: Member['role'], email = `${user_id}@example.com`): Member => ({
  user_id,
  email,
  role,
  joined_at: '2025-01-01T00:00:00Z',
});

describe('settings: the cadence editor', () => {
  it.each([
    ['1, 3, 7', [1, 3, 7]],
    ['1,3,7', [1, 3, 7]],
    ['  2 5   9 ', [2, 5, 9]],
    ['[1, 3, 7]', [1, 3, 7]],
    ['1; 14; 30', [1, 14, 30]],
    ['365', [365]],
    ['1', [1]],
    [Array.from({ length: 20 }, (_, i) => i + 1).join(', '), Array.from({ length: 20 }, (_, i) => i + 1)],
  ])('reads %j', (text, days) => {
    expect(parseCadence(text)).toEqual({ ok: true, days });
  });

  it.each([
    ['', /at least one day/],
    [' , ', /at least one day/],
    ['0, 3', /from 1 to 365; 0 is outside/],
    ['1, 366', /366 is outside/],
    ['1, 2.5', /“2.5” is not a whole number/],
    ['1, -3', /“-3” is not a whole number/],
    ['1, three', /“three” is not a whole number/],
    ['1, 3, 3', /Day 3 is there twice/],
    ['7, 1, 3', /must come after the one before: 1, 3, 7\?/],
    [Array.from({ length: 21 }, (_, i) => i + 1).join(','), /At most 20 follow-ups \(you entered 21\)/],
  ])('refuses %j', (text, why) => {
    const r = parseCadence(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });

  it('says the wait between follow-ups', () => {
    expect(cadenceSteps([1, 3, 7])).toEqual([
      { day: 1, gap: null },
      { day: 3, gap: 2 },
      { day: 7, gap: 4 },
    ]);
  });
});

describe('settings: roles', () => {
  const owner = member('o', 'owner');
  const admin = member('a', 'admin');
  const plain = member('m', 'member');

  it('lets owners grant every role and admins all but owner', () => {
    expect(grantable('owner')).toEqual(['owner', 'admin', 'member']);
    expect(grantable('admin')).toEqual(['admin', 'member']);
    expect(grantable('member')).toEqual([]);
    expect(grantable(undefined)).toEqual([]);
  });

  it.each([
    ['owner', plain, 'admin', 1, null],
    ['owner', plain, 'owner', 1, null],
    ['owner', owner, 'admin', 2, null],
    ['owner', owner, 'admin', 1, /at least one owner/],
    ['admin', plain, 'admin', 1, null],
    ['admin', plain, 'owner', 1, /Only an owner can make someone an owner/],
    ['admin', owner, 'member', 2, /Only an owner can change an owner’s role/],
    ['member', plain, 'admin', 1, /Only owners and admins/],
    ['owner', admin, 'admin', 1, null],
  ] as const)('%s changing a %s to %s (owners: %i)', (actor, target, to, owners, why) => {
    const r = whyNotChange(actor, target, to, owners);
    if (why === null) expect(r).toBeNull();
    else expect(r).toMatch(why);
  });

  it('lets anyone leave, managers remove, and keeps an owner', () => {
    expect(whyNotRemove('member', plain, true, 1)).toBeNull();
    expect(whyNotRemove('member', admin, false, 1)).toMatch(/Only owners and admins/);
    expect(whyNotRemove('admin', plain, false, 1)).toBeNull();
    expect(whyNotRemove('admin', owner, false, 2)).toMatch(/Only an owner can remove an owner/);
    expect(whyNotRemove('owner', owner, true, 1)).toMatch(/at least one owner/);
    expect(whyNotRemove('owner', owner, true, 2)).toBeNull();
  });

  it('changes one member’s role, and back', () => {
    const list = [owner, plain];
    const changed = withRole(list, 'm', 'admin');
    expect(changed.map((m) => m.role)).toEqual(['owner', 'admin']);
    expect(list[1]!.role).toBe('member'); // not mutated
    expect(withRole(changed, 'm', 'member')).toEqual(list);
  });
});

describe('settings: API tokens', () => {
  const created: NewToken = { id: 't1', name: 'n8n', scopes: ['leads:read'], created_at: '2025-01-01T00:00:00Z', token: 'xnt_secret' };

  it('shows the secret once: only in the created step, dropped when done', () => {
    let s: TokenFlow = { step: 'form' };
    s = tokenFlow(s, { type: 'submit' });
    expect(s.step).toBe('creating');
    s = tokenFlow(s, { type: 'created', token: created });
    expect(s).toEqual({ step: 'created', token: withoutSecret(created), secret: 'xnt_secret', copied: false });
    if (s.step === 'created') expect(s.token).not.toHaveProperty('token');
    s = tokenFlow(s, { type: 'copied' });
    expect(s).toMatchObject({ step: 'created', copied: true });
    s = tokenFlow(s, { type: 'done' });
    expect(s).toEqual({ step: 'form' });
    expect(JSON.stringify(s)).not.toContain('xnt_secret');
  });

  it('goes back to the form with the error when creating fails', () => {
    const s = tokenFlow({ step: 'creating' }, { type: 'failed', error: 'No.', fields: { name: 'too long' } });
    expect(s).toEqual({ step: 'form', error: 'No.', fields: { name: 'too long' } });
    expect(tokenFlow({ step: 'form' }, { type: 'copied' })).toEqual({ step: 'form' });
  });

  it('adds the read scope with a write scope, in the contract’s order', () => {
    expect(toggleScope([], 'leads:write', true)).toEqual(['leads:read', 'leads:write']);
    expect(toggleScope(['leads:read', 'leads:write'], 'leads:read', false)).toEqual(['leads:write']);
    expect(toggleScope([], 'workflows:start', true)).toEqual(['workflows:start']);
    expect(toggleScope(['site:read'], 'brief:read', true)).toEqual(['brief:read', 'site:read']);
    expect(new Set(allScopes).size).toBe(14);
  });
});

describe('settings: n8n subscriptions', () => {
  it.each(['*', 'xentri.lead.*', 'xentri.lead.created.v1', 'xentri.*'])('accepts the pattern %s', (p) => expect(checkPattern(p)).toBeNull());
  it.each([
    ['', /Enter an event type/],
    ['xentri.*.created', /only as the whole last part/],
    ['*.lead', /only as the whole last part/],
    ['Xentri.Lead', /lowercase/],
    ['xentri..lead', /lowercase/],
  ])('refuses the pattern %j', (p, why) => expect(checkPattern(p)).toMatch(why));

  it('checks webhook addresses', () => {
    expect(checkWebhookURL('https://n8n.example.com/webhook/leads')).toBeNull();
    expect(checkWebhookURL('')).toMatch(/Enter the address/);
    expect(checkWebhookURL('n8n.example.com')).toMatch(/full address/);
    expect(checkWebhookURL('ftp://x.example.com')).toMatch(/https:\/\//);
    expect(checkWebhookURL('https://u:p@x.example.com')).toMatch(/user name/);
    expect(checkWebhookURL('https://x.example.com/#a')).toMatch(/#/);
  });

  it('finds a signing secret only when the API returns one', () => {
    expect(secretOf({ id: 's', pattern: '*', url: 'https://x' })).toBeNull();
    expect(secretOf({ id: 's', secret: 'whsec_1' })).toBe('whsec_1');
    expect(secretOf(null)).toBeNull();
  });

  it('collects every page', async () => {
    const pages: Record<string, { data: number[]; meta: { next_cursor?: string } }> = {
      '': { data: [1, 2], meta: { next_cursor: 'b' } },
      b: { data: [3], meta: {} },
    };
    expect(await collect(async (c) => pages[c ?? '']!)).toEqual({ items: [1, 2, 3], more: false });
  });
});

// --- The app, rendered against a fake fetch ------------------------------------

interface Call {
  method: string;
  url: URL;
  body: unknown;
}

const json = (data: unknown, status = 200) =>
  new Response(JSON.stringify({ data, error: null, meta: {} }), { status, headers: { 'Content-Type': 'application/json' } });
const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: 'x', title: 'T', status, detail, trace_id: 't' }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

function fakeApi(route: (c: Call) => Response | undefined) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const c = { method: init.method ?? 'GET', url: new URL(String(input), 'http://x'), body: init.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(c);
      const out = route(c);
      if (!out) throw new Error(`unexpected ${c.method} ${c.url.pathname}`);
      return out;
    }),
  );
  return calls;
}

const ctx = (path: string): AppContext => ({
  app: 'settings',
  base: '/settings',
  path,
  search: new URLSearchParams(),
  orgId: 'org-1',
  navigate: vi.fn(),
  signal: new AbortController().signal,
});
const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));
const byText = (el: HTMLElement, sel: string, text: string) => [...el.querySelectorAll<HTMLElement>(sel)].find((b) => b.textContent?.trim() === text);
const change = (input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, value: string) => {
  const proto = Object.getPrototypeOf(input) as object;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value);
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
};

describe('the settings app', () => {
  let el: HTMLElement;
  beforeEach(() => {
    $org.set('org-1');
    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'owner', created_at: '' }]);
    $session.set({ status: 'signed-in', user: { id: 'u-me', email: 'me@example.com' } });
    el = document.createElement('div');
    document.body.append(el);
  });
  afterEach(() => {
    el.remove();
    vi.unstubAllGlobals();
  });

  it('routes its tabs, with members at /settings', async () => {
    fakeApi((c) => (c.url.pathname.endsWith('/members') ? json([member('u-me', 'owner', 'me@example.com')]) : undefined));
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('')));
    await settle();
    expect(el.querySelector('[aria-current="page"]')?.textContent).toBe('Members');
    expect([...el.querySelectorAll('.set__tabs a')].map((a) => a.getAttribute('href'))).toEqual([
      '/settings/members',
      '/settings/tokens',
      '/settings/integrations',
      '/settings/sales',
    ]);
    await act(async () => mod.update(ctx('/nope')));
    expect(el.textContent).toContain('There is no such page in Settings.');
    await act(async () => mod.unmount());
  });

  it('changes a member’s role at once, and undoes it when the API refuses', async () => {
    let refuse = false;
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return json([member('u-me', 'owner', 'me@example.com'), member('u-ada', 'member', 'ada@example.com')]);
      if (c.method === 'PATCH') {
        if (refuse) return problem(409, 'An organisation must keep at least one owner: make someone else an owner first.');
        return json({ ...member('u-ada', 'admin', 'ada@example.com') });
      }
      return undefined;
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/members')));
    await settle();
    const select = el.querySelector<HTMLSelectElement>('select[id$="-role"][aria-label], li select')!;
    const adaRow = [...el.querySelectorAll('li')].find((li) => li.textContent?.includes('ada@example.com'))!;
    const adaSelect = adaRow.querySelector('select')!;
    expect(select).not.toBeNull();
    expect(adaSelect.value).toBe('member');
    await act(async () => change(adaSelect, 'admin'));
    await settle();
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.url.pathname).toBe('/api/v1/orgs/org-1/members/u-ada');
    expect(patch.body).toEqual({ role: 'admin' });
    expect(adaRow.querySelector('select')!.value).toBe('admin');
    expect(el.querySelector('[aria-live="polite"]')?.textContent).toBe('ada@example.com is now admin.');

    refuse = true;
    await act(async () => change(adaRow.querySelector('select')!, 'member'));
    await settle();
    expect(adaRow.querySelector('select')!.value).toBe('admin'); // undone
    expect(adaRow.querySelector('[role="alert"]')?.textContent).toMatch(/at least one owner/);
    await act(async () => mod.unmount());
  });

  it('adds a member, tells when there is no such account, and removes after a confirmation', async () => {
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return json([member('u-me', 'owner', 'me@example.com'), member('u-bob', 'member', 'bob@example.com')]);
      if (c.method === 'POST') {
        const body = c.body as { email: string; role: string };
        if (body.email === 'ghost@example.com') return problem(404, 'No user with that email.');
        return json({ ...member('u-cy', 'member', body.email), role: body.role }, 201);
      }
      if (c.method === 'DELETE') return new Response(null, { status: 204 });
      return undefined;
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/members')));
    await settle();
    const email = el.querySelector<HTMLInputElement>('input[type="email"]')!;
    await act(async () => change(email, 'ghost@example.com'));
    await act(async () => byText(el, 'button', 'Add member')!.click());
    await settle();
    expect(el.querySelector('.set__add [role="alert"]')?.textContent).toMatch(/Ask them to create an account first/);

    await act(async () => change(email, 'cy@example.com'));
    await act(async () => change(el.querySelector<HTMLSelectElement>('.set__add select')!, 'admin'));
    await act(async () => byText(el, 'button', 'Add member')!.click());
    await settle();
    const post = calls.filter((c) => c.method === 'POST').at(-1)!;
    expect(post.body).toEqual({ email: 'cy@example.com', role: 'admin' });
    expect(el.textContent).toContain('cy@example.com');

    const bobRow = [...el.querySelectorAll('li')].find((li) => li.textContent?.includes('bob@example.com'))!;
    await act(async () => byText(bobRow, 'button', 'Remove')!.click());
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    expect(bobRow.textContent).toContain('They lose access to this organisation at once.');
    await act(async () => byText(bobRow, 'button', 'Remove')!.click());
    await settle();
    expect(calls.find((c) => c.method === 'DELETE')?.url.pathname).toBe('/api/v1/orgs/org-1/members/u-bob');
    expect(el.querySelector('.set__list')?.textContent).not.toContain('bob@example.com');
    expect(el.querySelector('[aria-live="polite"]')?.textContent).toBe('bob@example.com was removed.');
    await act(async () => mod.unmount());
  });

  it('shows a new token’s secret once, with a copy button, and never again', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return json([{ id: 't0', name: 'old', scopes: ['leads:read'], created_at: '2025-01-01T00:00:00Z', last_used_at: null }]);
      if (c.method === 'POST')
        return json({ id: 't1', name: 'n8n', scopes: ['leads:read', 'leads:write'], created_at: '2025-02-01T00:00:00Z', token: 'xnt_SECRET' }, 201);
      return undefined;
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/tokens')));
    await settle();

    // Nothing chosen: refused before sending.
    await act(async () => byText(el, 'button', 'Create token')!.click());
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(el.textContent).toContain('Choose at least one scope.');

    await act(async () => change(el.querySelector<HTMLInputElement>('input[id$="-name"]')!, 'n8n'));
    const leadsWrite = [...el.querySelectorAll<HTMLLabelElement>('.set__check')].find((l) => l.textContent === 'write leads')!;
    await act(async () => leadsWrite.querySelector('input')!.click());
    await act(async () => byText(el, 'button', 'Create token')!.click());
    await settle();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'n8n', scopes: ['leads:read', 'leads:write'] });

    const secret = el.querySelector<HTMLInputElement>('#set-secret')!;
    expect(secret.value).toBe('xnt_SECRET');
    expect(secret.readOnly).toBe(true);
    expect(el.textContent).toContain('it will not be shown again');
    await act(async () => byText(el, 'button', 'Copy')!.click());
    await settle();
    expect(writeText).toHaveBeenCalledWith('xnt_SECRET');
    expect(byText(el, 'button', 'Copied')).toBeDefined();

    await act(async () => byText(el, 'button', 'Done')!.click());
    expect(el.querySelector('#set-secret')).toBeNull();
    expect(el.innerHTML).not.toContain('xnt_SECRET');
    expect([...el.querySelectorAll('.set__list .set__name')].map((n) => n.textContent)).toEqual(['n8n', 'old']);
    await act(async () => mod.unmount());
  });

  it('edits the cadence, says where it came from, and keeps members out of editing', async () => {
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return json({ followup_cadence_days: [1, 3, 7], source: 'brief', updated_at: '2025-01-01T00:00:00Z' });
      if (c.method === 'PUT') return json({ followup_cadence_days: (c.body as { followup_cadence_days: number[] }).followup_cadence_days, source: 'org', updated_at: '2025-02-01T00:00:00Z' });
      return undefined;
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/sales')));
    await settle();
    expect(el.querySelector('.set__source')?.textContent).toBe('From your Brief');
    expect([...el.querySelectorAll('.set__step-day')].map((d) => d.textContent)).toEqual([
      'Follow-up 1: Day 1',
      'Follow-up 2: Day 3',
      'Follow-up 3: Day 7',
    ]);
    await act(async () => byText(el, 'button', 'Change cadence')!.click());
    const input = el.querySelector<HTMLInputElement>('.set__cadence-form input')!;
    expect(input.value).toBe('1, 3, 7');
    expect(el.textContent).toContain('changes to your Brief no longer change it');
    await act(async () => change(input, '2, 1'));
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await act(async () => byText(el, 'button', 'Save cadence')!.click());
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
    await act(async () => change(input, '2, 5, 10, 30'));
    await act(async () => byText(el, 'button', 'Save cadence')!.click());
    await settle();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ followup_cadence_days: [2, 5, 10, 30] });
    expect(el.querySelector('.set__source')?.textContent).toBe('Set by hand');
    await act(async () => mod.unmount());

    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'member', created_at: '' }]);
    await act(async () => mod.mount(el, ctx('/sales')));
    await settle();
    expect(byText(el, 'button', 'Change cadence')).toBeUndefined();
    expect(el.textContent).toContain('Only owners and admins can change the cadence.');
    await act(async () => mod.unmount());
  });

  it('tells a member that tokens are for owners and admins, without asking', async () => {
    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'member', created_at: '' }]);
    const calls = fakeApi(() => undefined);
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/tokens')));
    await settle();
    expect(calls).toHaveLength(0);
    expect(el.textContent).toContain('Only owners and admins can see and create API tokens.');
    await act(async () => mod.unmount());
  });

  it('lists and adds n8n subscriptions', async () => {
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return json([]);
      if (c.method === 'POST') return json({ id: 's1', ...(c.body as object), created_at: '2025-02-01T00:00:00Z' }, 201);
      return undefined;
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx('/integrations')));
    await settle();
    expect(el.textContent).toContain('No subscriptions yet.');
    const url = el.querySelector<HTMLInputElement>('input[type="url"]')!;
    await act(async () => change(url, 'n8n.local/webhook'));
    await act(async () => byText(el, 'button', 'Subscribe')!.click());
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    expect(el.textContent).toContain('Enter a full address');
    await act(async () => change(url, 'https://n8n.example.com/webhook/leads'));
    await act(async () => byText(el, 'button', 'Subscribe')!.click());
    await settle();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ pattern: 'xentri.lead.*', url: 'https://n8n.example.com/webhook/leads' });
    expect(el.querySelector('.set__pattern')?.textContent).toBe('xentri.lead.*');
    expect(el.querySelector('#set-secret')).toBeNull(); // the API returned no secret
    await act(async () => mod.unmount());
  });
});
