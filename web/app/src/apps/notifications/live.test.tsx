// useLiveNotifications against a fake stream (live.onEvent spied on), and
// the app reloading through it.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeStream } from '../../lib/live-fake';
import { $org } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import { useLiveNotifications } from './live';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function Probe({ onStale }: { onStale: () => void }) {
  useLiveNotifications(onStale);
  return null;
}

describe('useLiveNotifications', () => {
  afterEach(() => vi.useRealTimers());

  it('calls onStale once for a burst of new leads and due follow-ups, never for other events, and not after unmount', () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const root = createRoot(document.createElement('div'));
    const first = vi.fn();
    act(() => root.render(<Probe onStale={first} />));

    stream.emit('xentri.lead.created.v1');
    stream.emit('xentri.followup.scheduled.v1');
    stream.emit('xentri.lead.created.v1');
    act(() => vi.advanceTimersByTime(299));
    expect(first).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(first).toHaveBeenCalledTimes(1);

    stream.emit('xentri.lead.updated.v1');
    stream.emit('xentri.workflow.failed.v1');
    act(() => vi.advanceTimersByTime(1000));
    expect(first).toHaveBeenCalledTimes(1);

    // A new closure on a render: the same subscriptions, the latest closure called.
    const second = vi.fn();
    act(() => root.render(<Probe onStale={second} />));
    expect(stream.onEvent).toHaveBeenCalledTimes(2);
    stream.emit('xentri.followup.scheduled.v1');
    act(() => vi.advanceTimersByTime(300));
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);

    stream.emit('xentri.lead.created.v1'); // pending when it unmounts: dropped
    act(() => root.unmount());
    expect(stream.handlers.size).toBe(0);
    stream.emit('xentri.lead.created.v1');
    act(() => vi.advanceTimersByTime(1000));
    expect(second).toHaveBeenCalledTimes(1);
  });
});

describe('the notifications app, live', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reloads its list once after a burst of events, and no more once unmounted', async () => {
    $org.set('org-1');
    const stream = fakeStream();
    const lists: URL[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        const url = new URL(String(input), 'http://x');
        if (url.pathname === '/api/v1/notifications') lists.push(url);
        const data = url.pathname.endsWith('/unread') ? { unread: 0 } : [];
        return new Response(JSON.stringify({ data, error: null, meta: {} }), { headers: { 'Content-Type': 'application/json' } });
      }),
    );
    const wait = (ms: number) => act(async () => new Promise((r) => setTimeout(r, ms)));
    const ctx: AppContext = {
      app: 'notifications',
      base: '/notifications',
      path: '',
      search: new URLSearchParams(),
      orgId: 'org-1',
      navigate: vi.fn(),
      signal: new AbortController().signal,
    };
    const el = document.createElement('div');
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx));
    await wait(0);
    const mounted = lists.length; // StrictMode (lib/react-app.tsx) runs effects twice in development
    expect(mounted).toBeGreaterThan(0);

    for (let i = 0; i < 5; i++) stream.emit(i % 2 ? 'xentri.followup.scheduled.v1' : 'xentri.lead.created.v1');
    await wait(400);
    expect(lists).toHaveLength(mounted + 1);

    await act(async () => mod.unmount());
    stream.emit('xentri.lead.created.v1');
    await wait(400);
    expect(lists).toHaveLength(mounted + 1);
  });
});
