import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $org, $orgs } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import { argumentCount, checkInput, filterOf, newestFirst, prettyJson, toDeadLetter, workflowName, type DeadLetter } from './model';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('runs: the re-drive input', () => {
  it.each([
    ['[]', 0],
    ['[{"lead_id": "L1"}]', 1],
    ['  [1, "two", null]\n', 3],
  ])('accepts the JSON array %s', (text, n) => {
    const c = checkInput(text);
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.input).toHaveLength(n);
  });

  it.each([
    ['', /Enter the workflow’s arguments/],
    ['   ', /Enter the workflow’s arguments/],
    ['{"lead_id": "L1"}', /must be a JSON array.*an object.*Wrap it in \[ \]/],
    ['"text"', /a string/],
    ['42', /a number/],
    ['null', /null/],
    ['[{"lead_id": }]', /not valid JSON/],
    ["[{'a': 1}]", /not valid JSON/],
  ])('refuses %j', (text, why) => {
    const c = checkInput(text);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error).toMatch(why);
  });

  it('shows the input as indented JSON and counts its arguments', () => {
    expect(prettyJson([{ a: 1 }])).toBe('[\n  {\n    "a": 1\n  }\n]');
    expect(argumentCount([{}])).toBe('1 argument');
    expect(argumentCount([1, 2])).toBe('2 arguments');
    expect(argumentCount(null)).toBe('no input');
  });
});

describe('runs: reading dead letters', () => {
  const raw = {
    id: 'd1',
    org_id: 'o',
    workflow_type: 'SitePublish',
    workflow_id: 'site-publish/s1',
    run_id: 'r1',
    task_queue: 'xentri',
    input: [{ site_id: 's1' }],
    failure_type: 'RenderError',
    failure_message: 'image not uploaded',
    attempts: 3,
    status: 'open',
    redrive_run_id: null,
    temporal_ui_url: 'http://127.0.0.1:8142/namespaces/default/workflows/site-publish%2Fs1',
    created_at: '2025-01-02T00:00:00Z',
    updated_at: '2025-01-02T00:00:00Z',
  };

  it('reads what the API answers, and refuses what is not a dead letter', () => {
    expect(toDeadLetter(raw)).toMatchObject({
      id: 'd1',
      workflowType: 'SitePublish',
      failureMessage: 'image not uploaded',
      attempts: 3,
      status: 'open',
      redriveRunId: null,
      temporalUiUrl: raw.temporal_ui_url,
      input: [{ site_id: 's1' }],
    });
    expect(toDeadLetter(null)).toBeNull();
    expect(toDeadLetter({ workflow_type: 'X' })).toBeNull();
    expect(toDeadLetter({ ...raw, temporal_ui_url: 'javascript:alert(1)' })?.temporalUiUrl).toBeNull();
    expect(toDeadLetter({ ...raw, temporal_ui_url: undefined })?.temporalUiUrl).toBeNull();
  });

  it('sorts newest first and names workflows as an owner would', () => {
    const a = toDeadLetter(raw)!;
    const b = { ...a, id: 'd2', createdAt: '2025-02-01T00:00:00Z' } as DeadLetter;
    expect([a, b].sort(newestFirst).map((d) => d.id)).toEqual(['d2', 'd1']);
    expect(workflowName('SitePublish')).toBe('Site publish');
    expect(workflowName('SomeNewThing')).toBe('Some new thing');
    expect(filterOf(new URLSearchParams(''))).toBe('open');
    expect(filterOf(new URLSearchParams('status=discarded'))).toBe('discarded');
    expect(filterOf(new URLSearchParams('status=all'))).toBe('all');
    expect(filterOf(new URLSearchParams('status=bogus'))).toBe('open');
  });
});

// --- The app, rendered against a fake fetch ------------------------------------

interface Call {
  method: string;
  url: URL;
  body: unknown;
}

const problem = (status: number, detail: string, errors?: Record<string, string>) =>
  new Response(JSON.stringify({ type: 'x', title: 'T', status, detail, trace_id: 't', errors }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

function fakeApi(route: (c: Call) => unknown) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const c = { method: init.method ?? 'GET', url: new URL(String(input), 'http://x'), body: init.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(c);
      const out = route(c);
      if (out instanceof Response) return out;
      if (out === undefined) return new Response(null, { status: 204 });
      return new Response(JSON.stringify({ data: out, error: null, meta: {} }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

const ctx = (search = ''): AppContext => ({
  app: 'runs',
  base: '/runs',
  path: '',
  search: new URLSearchParams(search),
  orgId: 'org-1',
  navigate: vi.fn(),
  signal: new AbortController().signal,
});
const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));
const button = (el: HTMLElement, text: string) => [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)!;

const letter = {
  id: 'd1',
  workflow_type: 'LeadFollowUp',
  workflow_id: 'lead-followup/L1',
  run_id: 'r1',
  input: [{ lead_id: 'L1' }],
  failure_type: 'ActivityError',
  failure_message: 'smtp: connection refused',
  attempts: 5,
  status: 'open',
  redrive_run_id: null,
  temporal_ui_url: 'http://127.0.0.1:8142/namespaces/default/workflows/lead-followup%2FL1',
  created_at: '2025-03-01T10:00:00Z',
  updated_at: '2025-03-01T10:00:00Z',
};

describe('the runs app', () => {
  let el: HTMLElement;
  beforeEach(() => {
    $org.set('org-1');
    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'owner', created_at: '' }]);
    el = document.createElement('div');
    document.body.append(el);
  });
  afterEach(() => {
    el.remove();
    vi.unstubAllGlobals();
  });

  it('lists open dead letters with cause, attempts, input and a Temporal link; re-drives with an edited input', async () => {
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return [letter];
      if (c.url.pathname === '/api/v1/ops/dead-letters/d1/redrive')
        return new Response(JSON.stringify({ data: { ...letter, status: 'redriven', redrive_run_id: 'new-run-123456789', input: (c.body as { input: unknown }).input }, error: null, meta: {} }), {
          status: 202,
          headers: { 'Content-Type': 'application/json' },
        });
      throw new Error(`unexpected ${c.method} ${c.url}`);
    });
    const mod = await import('./index');
    act(() => void mod.mount(el, ctx()));
    expect(el.querySelector('[aria-label="Loading failed runs"]')).not.toBeNull();
    await settle();
    expect(calls[0]?.url.searchParams.get('status')).toBe('open');
    expect(el.querySelector('h3')?.textContent).toBe('Lead follow-ups');
    expect(el.textContent).toContain('smtp: connection refused');
    expect(el.textContent).toContain('ActivityError');
    expect(el.querySelector('.runs__facts')?.textContent).toContain('5');
    const link = el.querySelector<HTMLAnchorElement>('.runs__temporal')!;
    expect(link.href).toBe(letter.temporal_ui_url);
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener noreferrer');
    expect(el.querySelector('pre')?.textContent).toBe(prettyJson(letter.input));

    await act(async () => button(el, 'Edit input and re-drive').click());
    const ta = el.querySelector('textarea')!;
    expect(document.activeElement).toBe(ta);
    expect(ta.value).toBe(prettyJson(letter.input));

    // Not an array: refused before sending.
    await act(async () => {
      const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
      set.call(ta, '{"lead_id": "L2"}');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(ta.getAttribute('aria-invalid')).toBe('true');
    expect(el.querySelector('.field-error')?.textContent).toMatch(/JSON array/);
    await act(async () => button(el, 'Re-drive with this input').click());
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await act(async () => {
      const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
      set.call(ta, '[{"lead_id": "L2"}]');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(ta.getAttribute('aria-invalid')).toBe('false');
    await act(async () => button(el, 'Re-drive with this input').click());
    await settle();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ input: [{ lead_id: 'L2' }] });
    expect(el.querySelector('.runs__badge')?.textContent).toBe('Re-driven');
    expect(el.querySelector('.notice--success')?.textContent).toContain('Lead follow-ups is running again.');
    expect(el.querySelector('.runs__after code')?.textContent).toBe('new-run-123456789');
    expect(button(el, 'Re-drive')).toBeUndefined();
    await act(async () => mod.unmount());
  });

  it('re-drives with the same input (no body), and discards after a confirmation', async () => {
    const second = { ...letter, id: 'd2', workflow_type: 'SitePublish', created_at: '2025-03-02T10:00:00Z' };
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return [letter, second];
      if (c.url.pathname.endsWith('/d2/redrive')) return { ...second, status: 'redriven', redrive_run_id: 'r2' };
      if (c.url.pathname.endsWith('/d1/discard')) return undefined;
      throw new Error(`unexpected ${c.method} ${c.url}`);
    });
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx()));
    await settle();
    const cards = () => [...el.querySelectorAll('article')];
    expect(cards().map((a) => a.querySelector('h3')?.textContent)).toEqual(['Site publish', 'Lead follow-ups']);

    await act(async () => button(cards()[0]!, 'Re-drive').click());
    await settle();
    const redrive = calls.find((c) => c.method === 'POST')!;
    expect(redrive.url.pathname).toBe('/api/v1/ops/dead-letters/d2/redrive');
    expect(redrive.body).toBeUndefined();

    await act(async () => button(cards()[1]!, 'Discard').click());
    expect(cards()[1]!.textContent).toContain('It will not run again.');
    expect(document.activeElement?.textContent).toBe('Keep it');
    expect(calls.filter((c) => c.url.pathname.endsWith('/discard'))).toHaveLength(0);
    await act(async () => button(cards()[1]!, 'Discard').click());
    await settle();
    expect(calls.some((c) => c.url.pathname === '/api/v1/ops/dead-letters/d1/discard')).toBe(true);
    expect(cards()[1]!.querySelector('.runs__badge')?.textContent).toBe('Discarded');
    await act(async () => mod.unmount());
  });

  it('says a 409 plainly and keeps the letter open', async () => {
    fakeApi((c) => (c.method === 'GET' ? [letter] : problem(409, 'This dead letter is already redriven.')));
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx()));
    await settle();
    await act(async () => button(el, 'Re-drive').click());
    await settle();
    expect(el.querySelector('[role="alert"]')?.textContent).toBe('This dead letter is already redriven. Refresh to see where it stands.');
    await act(async () => mod.unmount());
  });

  it('explains that only owners and admins may operate: for a member without asking, and on a 403', async () => {
    const calls = fakeApi(() => problem(403, 'Only owners and admins may manage dead letters.'));
    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'member', created_at: '' }]);
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx()));
    await settle();
    expect(calls).toHaveLength(0);
    expect(el.querySelector('h2')?.textContent).toBe('Only owners and admins can see failed runs');
    await act(async () => mod.unmount());

    $orgs.set([{ id: 'org-1', name: 'Bakery', role: 'admin', created_at: '' }]);
    await act(async () => mod.mount(el, ctx('status=all')));
    await settle();
    expect(calls[0]?.url.searchParams.has('status')).toBe(false);
    expect(el.querySelector('h2')?.textContent).toBe('Only owners and admins can see failed runs');
    await act(async () => mod.unmount());
  });

  it('has an empty state per filter, and filters through the address', async () => {
    fakeApi(() => []);
    const mod = await import('./index');
    const c = ctx('status=discarded');
    await act(async () => mod.mount(el, c));
    await settle();
    expect(el.textContent).toContain('No discarded runs');
    await act(async () => button(el, 'Open').click());
    expect(c.navigate).toHaveBeenCalledWith('/runs', { replace: true });
    await act(async () => button(el, 'Re-driven').click());
    expect(c.navigate).toHaveBeenCalledWith('/runs?status=redriven', { replace: true });
    await act(async () => mod.unmount());
  });
});
