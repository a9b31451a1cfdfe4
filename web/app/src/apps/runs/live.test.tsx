// useLiveRuns against a fake stream (live.onEvent spied on), and the app
// reloading through it without closing what is open in a letter.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeStream } from '../../lib/live-fake';
import { $org, $orgs } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import { useLiveRuns } from './live';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function Probe({ onStale }: { onStale: () => void }) {
  useLiveRuns(onStale);
  return null;
}

describe('useLiveRuns', () => {
  afterEach(() => vi.useRealTimers());

  it('calls onStale once for a burst of failed workflows, never for other events, and not after unmount', () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const root = createRoot(document.createElement('div'));
    const onStale = vi.fn();
    act(() => root.render(<Probe onStale={onStale} />));
    act(() => root.render(<Probe onStale={() => onStale()} />)); // a new closure: no new subscription
    expect(stream.onEvent).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 4; i++) stream.emit('xentri.workflow.failed.v1');
    act(() => vi.advanceTimersByTime(300));
    expect(onStale).toHaveBeenCalledTimes(1);

    stream.emit('xentri.lead.created.v1');
    stream.emit('xentri.followup.scheduled.v1');
    act(() => vi.advanceTimersByTime(1000));
    expect(onStale).toHaveBeenCalledTimes(1);

    stream.emit('xentri.workflow.failed.v1');
    act(() => root.unmount());
    expect(stream.handlers.size).toBe(0);
    act(() => vi.advanceTimersByTime(1000));
    expect(onStale).toHaveBeenCalledTimes(1);
  });
});

describe('the runs app, live', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    $orgs.set([]);
  });

  it('reloads the list after a burst of failures, keeping an open editor', async () => {
    $org.set('org-1');
    const stream = fakeStream();
    const letter = (id: string) => ({
      id,
      org_id: 'org-1',
      workflow_id: `wf-${id}`,
      run_id: 'r1',
      workflow_type: 'SitePublish',
      failure_message: 'boom',
      failure_type: 'X',
      attempts: 3,
      input: [{ site_id: 's1' }],
      status: 'open',
      created_at: '2025-06-01T10:00:00Z',
    });
    let letters = [letter('d1')];
    let gets = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        gets++;
        return new Response(JSON.stringify({ data: letters, error: null, meta: {} }), { headers: { 'Content-Type': 'application/json' } });
      }),
    );
    const wait = (ms: number) => act(async () => new Promise((r) => setTimeout(r, ms)));
    const ctx: AppContext = {
      app: 'runs',
      base: '/runs',
      path: '',
      search: new URLSearchParams(),
      orgId: 'org-1',
      navigate: vi.fn(),
      signal: new AbortController().signal,
    };
    const el = document.createElement('div');
    document.body.append(el);
    const mod = await import('./index');
    await act(async () => mod.mount(el, ctx));
    await wait(0);
    const mounted = gets; // StrictMode (lib/react-app.tsx) runs effects twice in development
    expect(mounted).toBeGreaterThan(0);
    expect(el.querySelectorAll('.runs__item')).toHaveLength(1);

    const edit = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Edit input and re-drive')!;
    await act(async () => edit.click());
    expect(el.querySelector('textarea')).not.toBeNull();

    letters = [letter('d2'), letter('d1')];
    for (let i = 0; i < 3; i++) stream.emit('xentri.workflow.failed.v1');
    await wait(400);
    expect(gets).toBe(mounted + 1);
    expect(el.querySelectorAll('.runs__item')).toHaveLength(2);
    expect(el.querySelector('textarea')).not.toBeNull(); // d1's editor stays open

    await act(async () => mod.unmount());
    el.remove();
    stream.emit('xentri.workflow.failed.v1');
    await wait(400);
    expect(gets).toBe(mounted + 1);
  });
});
