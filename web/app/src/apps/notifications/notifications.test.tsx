import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $org } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import {
  ago,
  dayGroup,
  groupByDay,
  initialState,
  loadPages,
  merge,
  reducer,
  subjectHref,
  toNotice,
  unreadIn,
  type Notice,
  type PageLoader,
} from './model';
import { $unreadCount, adjustUnreadCount, refreshUnreadCount } from './unread';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const n = (id: string, createdAt: string, readAt: string | null = null, extra: Partial<Notice> = {}): Notice => ({
  id,
  kind: 'followup_due',
  title: `Notice ${id}`,
  subjectId: null,
  readAt,
  createdAt,
  ...extra,
});

describe('notifications: paging and merging', () => {
  it('reads every page (the API pages oldest first) and shows them newest first', async () => {
    const pages: Record<string, { data: Notice[]; next?: string }> = {
      start: { data: [n('a', '2025-01-01T10:00:00Z'), n('b', '2025-01-02T10:00:00Z')], next: 'c1' },
      c1: { data: [n('c', '2025-01-03T10:00:00Z'), n('d', '2025-01-04T10:00:00Z')], next: 'c2' },
      c2: { data: [n('e', '2025-01-05T10:00:00Z')] },
    };
    const seen: Array<string | undefined> = [];
    const load: PageLoader = async (cursor) => {
      seen.push(cursor);
      const p = pages[cursor ?? 'start']!;
      return { data: p.data, meta: p.next ? { next_cursor: p.next } : {} };
    };
    const out = await loadPages(load);
    expect(seen).toEqual([undefined, 'c1', 'c2']);
    expect(out.items.map((x) => x.id)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(out.more).toBe(false);
    expect(out.cursor).toBeUndefined();
  });

  it('stops after maxPages and says where to go on for the newer ones', async () => {
    let k = 0;
    const load: PageLoader = async () => {
      k++;
      return { data: [n(`x${k}`, `2025-01-0${k}T00:00:00Z`)], meta: { next_cursor: `c${k}` } };
    };
    const out = await loadPages(load, undefined, 3);
    expect(out).toMatchObject({ more: true, cursor: 'c3' });
    expect(out.items.map((x) => x.id)).toEqual(['x3', 'x2', 'x1']);
  });

  it('merges one per id, the incoming copy winning, newest first; what was read here stays read', () => {
    const cur = [n('a', '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'), n('b', '2025-01-02T00:00:00Z')];
    const incoming = [n('a', '2025-01-01T00:00:00Z', null, { title: 'renamed' }), n('c', '2025-01-03T00:00:00Z')];
    const out = merge(cur, incoming);
    expect(out.map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(out[2]).toMatchObject({ title: 'renamed', readAt: '2025-01-02T00:00:00Z' });
  });

  it('orders ties on created_at by id (UUIDv7 is time-ordered)', () => {
    const t = '2025-01-01T00:00:00Z';
    expect(merge([], [n('0190-a', t), n('0190-c', t), n('0190-b', t)]).map((x) => x.id)).toEqual(['0190-c', '0190-b', '0190-a']);
  });

  it('keeps what the screen needs of an API item and drops one without an id', () => {
    expect(toNotice({ id: 'i', kind: 'high_value_lead', title: ' Big ', subject_id: 'L', created_at: 't' })).toEqual({
      id: 'i',
      kind: 'high_value_lead',
      title: 'Big',
      subjectId: 'L',
      readAt: null,
      createdAt: 't',
    });
    expect(toNotice({ title: 'x' })).toBeNull();
  });
});

describe('notifications: read states and the reducer', () => {
  it('marks one read, reverts it, marks all read and restores', () => {
    let s = reducer(initialState, {
      type: 'loaded',
      page: { items: [n('b', '2025-01-02T00:00:00Z'), n('a', '2025-01-01T00:00:00Z')], more: false, cursor: undefined },
    });
    expect(s.phase).toBe('ready');
    expect(unreadIn(s.items)).toBe(2);
    s = reducer(s, { type: 'read', id: 'a', at: 'T1' });
    expect(s.items.find((x) => x.id === 'a')?.readAt).toBe('T1');
    s = reducer(s, { type: 'read', id: 'a', at: 'T2' }); // already read: keeps its first time
    expect(s.items.find((x) => x.id === 'a')?.readAt).toBe('T1');
    s = reducer(s, { type: 'unread', id: 'a' });
    expect(unreadIn(s.items)).toBe(2);
    const before = s.items;
    s = reducer(s, { type: 'allRead', at: 'T3' });
    expect(unreadIn(s.items)).toBe(0);
    s = reducer(s, { type: 'restore', items: before });
    expect(unreadIn(s.items)).toBe(2);
  });

  it('keeps the list on screen during a refresh and merges live items', () => {
    let s = reducer(initialState, { type: 'loaded', page: { items: [n('a', '2025-01-01T00:00:00Z')], more: false, cursor: undefined } });
    s = reducer(s, { type: 'load' });
    expect(s).toMatchObject({ phase: 'loading' });
    expect(s.items).toHaveLength(1);
    s = reducer(s, { type: 'incoming', items: [n('z', '2025-02-01T00:00:00Z')] });
    expect(s.items.map((x) => x.id)).toEqual(['z', 'a']);
  });

  it('links a notification about a lead to the lead', () => {
    expect(subjectHref(n('a', 't', null, { subjectId: 'L1' }))).toBe('/leads/L1');
    expect(subjectHref(n('a', 't', null, { kind: 'high_value_lead', subjectId: 'L2' }))).toBe('/leads/L2');
    expect(subjectHref(n('a', 't'))).toBeNull();
    expect(subjectHref(n('a', 't', null, { kind: 'other', subjectId: 'X' }))).toBeNull();
  });

  it('groups by day in local time and says how long ago', () => {
    const now = new Date(2025, 5, 10, 15, 0, 0);
    const at = (d: number, h: number) => new Date(2025, 5, d, h).toISOString();
    expect(dayGroup(at(10, 1), now)).toBe('Today');
    expect(dayGroup(at(9, 23), now)).toBe('Yesterday');
    expect(dayGroup(at(5, 12), now)).toBe('Earlier this week');
    expect(dayGroup(at(1, 12), now)).toBe('Older');
    const groups = groupByDay([n('a', at(10, 9)), n('b', at(10, 8)), n('c', at(9, 8)), n('d', at(1, 8))], now);
    expect(groups.map((g) => [g.group, g.items.length])).toEqual([['Today', 2], ['Yesterday', 1], ['Older', 1]]);
    expect(ago(new Date(now.getTime() - 10_000).toISOString(), now)).toBe('just now');
    expect(ago(new Date(now.getTime() - 5 * 60_000).toISOString(), now)).toMatch(/5 minutes ago/);
  });
});

// --- The app, rendered against a fake fetch ------------------------------------

interface Call {
  method: string;
  url: URL;
  body: unknown;
}

function fakeApi(route: (c: Call) => unknown) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const c = { method: init.method ?? 'GET', url: new URL(String(input), 'http://x'), body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(c);
    const out = route(c);
    if (out instanceof Response) return out;
    if (out === undefined) return new Response(null, { status: 204 });
    return new Response(JSON.stringify({ data: out, error: null, meta: {} }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetch);
  return calls;
}

const ctx = (search = ''): AppContext => ({
  app: 'notifications',
  base: '/notifications',
  path: '',
  search: new URLSearchParams(search),
  orgId: 'org-1',
  navigate: vi.fn(),
  signal: new AbortController().signal,
});

const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('the notifications app', () => {
  let el: HTMLElement;
  beforeEach(() => {
    $org.set('org-1');
    el = document.createElement('div');
    document.body.append(el);
  });
  afterEach(() => {
    el.remove();
    vi.unstubAllGlobals();
  });

  it('shows the list newest first, marks one read and then all, keeping the unread count', async () => {
    const now = Date.now();
    const iso = (minsAgo: number) => new Date(now - minsAgo * 60_000).toISOString();
    const calls = fakeApi((c) => {
      if (c.method === 'GET' && c.url.pathname === '/api/v1/notifications') {
        if (!c.url.searchParams.get('cursor'))
          return new Response(
            JSON.stringify({
              data: [{ id: 'n1', kind: 'followup_due', title: 'Follow up with Ada (step 1)', subject_id: 'lead-1', read_at: null, created_at: iso(90) }],
              error: null,
              meta: { next_cursor: 'p2' },
            }),
            { headers: { 'Content-Type': 'application/json' } },
          );
        return [
          { id: 'n2', kind: 'high_value_lead', title: 'High-value lead: Bob, 5000.00 EUR', subject_id: 'lead-2', read_at: null, created_at: iso(5) },
          { id: 'n3', kind: 'followup_due', title: 'Old one', subject_id: null, read_at: iso(10), created_at: iso(60) },
        ];
      }
      if (c.method === 'POST' && c.url.pathname === '/api/v1/notifications/n2/read') return undefined;
      if (c.method === 'POST' && c.url.pathname === '/api/v1/notifications/read') return { marked: 1 };
      throw new Error(`unexpected ${c.method} ${c.url}`);
    });
    const mod = await import('./index');
    act(() => void mod.mount(el, ctx()));
    expect(el.querySelector('[role="status"][aria-label="Loading notifications"]')).not.toBeNull(); // the skeleton
    await settle();

    const titles = [...el.querySelectorAll('.ntf__title')].map((p) => p.textContent);
    expect(titles).toEqual(['Unread: High-value lead: Bob, 5000.00 EUR', 'Old one', 'Unread: Follow up with Ada (step 1)']);
    // (StrictMode runs the effect twice in development: the first load is aborted.)
    expect(calls.filter((c) => c.method === 'GET').map((c) => c.url.searchParams.get('cursor')).filter((v, i, a) => a.indexOf(v) === i)).toEqual([null, 'p2']);
    expect(el.querySelector<HTMLAnchorElement>('.ntf__title a')?.getAttribute('href')).toBe('/leads/lead-2');
    expect(el.querySelectorAll('.ntf__item--unread')).toHaveLength(2);
    expect($unreadCount.get()).toBe(2);
    expect(el.querySelector('.ntf__count')?.textContent).toBe('2 unread');

    const markBob = [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Mark read: High-value'))!;
    await act(async () => markBob.click());
    await settle();
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/api/v1/notifications/n2/read')).toBe(true);
    expect(el.querySelectorAll('.ntf__item--unread')).toHaveLength(1);
    expect($unreadCount.get()).toBe(1);

    const all = [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Mark all read'))!;
    await act(async () => all.click());
    await settle();
    expect(el.querySelectorAll('.ntf__item--unread')).toHaveLength(0);
    expect($unreadCount.get()).toBe(0);
    expect(el.textContent).toContain('All caught up');
    expect(el.querySelector('[aria-live="polite"]')?.textContent).toBe('Marked 1 notification read.');
    expect(all.disabled).toBe(true);
    await act(async () => mod.unmount());
  });

  it('asks for unread ones with ?unread=true, reverts a failed mark-read and says why', async () => {
    const calls = fakeApi((c) => {
      if (c.method === 'GET') return [{ id: 'n1', kind: 'followup_due', title: 'Call Ada', subject_id: null, read_at: null, created_at: new Date().toISOString() }];
      return new Response(JSON.stringify({ type: 'x', title: 'Forbidden', status: 403, detail: 'Not allowed here.', trace_id: 't' }), {
        status: 403,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    });
    const mod = await import('./index');
    const c = ctx('unread=true');
    await act(async () => mod.mount(el, c));
    await settle();
    expect(calls[0]?.url.searchParams.get('unread')).toBe('true');
    expect(el.querySelector('[aria-pressed="true"]')?.textContent).toBe('Unread only');
    const mark = [...el.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Mark read'))!;
    await act(async () => mark.click());
    await settle();
    expect(el.querySelectorAll('.ntf__item--unread')).toHaveLength(1);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('Not allowed here.');
    const all = [...el.querySelectorAll('button')].find((b) => b.textContent === 'All')!;
    await act(async () => all.click());
    expect(c.navigate).toHaveBeenCalledWith('/notifications', { replace: true });
    await act(async () => mod.unmount());
  });

  it('shows an inline error with a retry when the list fails, and an empty state', async () => {
    let fail = true;
    fakeApi(() =>
      fail
        ? new Response(JSON.stringify({ type: 'x', title: 'Bad', status: 500, detail: 'Down for a moment.', trace_id: 't' }), {
            status: 500,
            headers: { 'Content-Type': 'application/problem+json' },
          })
        : [],
    );
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx()));
    await settle();
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('Down for a moment.');
    fail = false;
    const retry = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Try again')!;
    await act(async () => retry.click());
    await settle();
    expect(el.textContent).toContain('No notifications yet');
    await act(async () => mod.unmount());
  });
});

describe('the unread count (the bell badge)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is read from the API, kept on failure, adjusted, and forgotten when the org changes', async () => {
    $org.set('org-1');
    $unreadCount.set(null);
    fakeApi(() => ({ unread: 4 }));
    expect(await refreshUnreadCount()).toBe(4);
    expect($unreadCount.get()).toBe(4);
    adjustUnreadCount(-1);
    expect($unreadCount.get()).toBe(3);
    fakeApi(() => new Response('nope', { status: 500 }));
    expect(await refreshUnreadCount()).toBeNull();
    expect($unreadCount.get()).toBe(3);
    $org.set('org-2');
    expect($unreadCount.get()).toBeNull();
    adjustUnreadCount(-1);
    expect($unreadCount.get()).toBeNull();
  });
});
