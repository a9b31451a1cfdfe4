import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SystemEvent } from '../generated/events';
import { announceNewLeads, createLive, matches, onEvents, streamURL, type EventSourceLike, type LiveDeps } from './live';
import { $org, $session, $toasts, dismissToast } from './stores';

/** A fake EventSource: the test opens, fails and feeds it. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (ev: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  // --- test side
  opened() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  dropped() {
    this.readyState = 0; // EventSource reconnects by itself
    this.onerror?.(new Event('error'));
  }
  refused() {
    this.readyState = 2; // gave up: an HTTP error answer
    this.onerror?.(new Event('error'));
  }
  emit(event: SystemEvent, id = '1718000000000-0') {
    for (const fn of this.listeners.get(event.type) ?? []) fn(new MessageEvent(event.type, { data: JSON.stringify(event), lastEventId: id }));
  }
}

const leadCreated = (leadID: string, id = `ev-${leadID}`, org = 'org-a', actor = 'u-other'): SystemEvent<'xentri.lead.created.v1'> => ({
  id,
  type: 'xentri.lead.created.v1',
  occurred_at: '2025-06-01T10:00:00Z',
  org_id: org,
  actor: { type: 'user', id: actor },
  envelope_version: '1.0',
  payload_schema: 'lead.created@1',
  payload: { lead_id: leadID, source: 'website', status: 'new' },
  meta: { source: 'sales' },
});

function setup(extra: Partial<LiveDeps> = {}) {
  const sources: FakeSource[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const probe = vi.fn(async (_url: string) => 200);
  const refresh = vi.fn(async () => true);
  const live = createLive({
    open: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    probe,
    refresh,
    backoff: [100, 200],
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    ...extra,
  });
  const last = () => sources[sources.length - 1]!;
  const runTimers = () => {
    for (const t of timers.splice(0)) t.fn();
  };
  return { live, sources, last, timers, runTimers, probe, refresh };
}

const signIn = (id = 'u-me') => $session.set({ status: 'signed-in', user: { id, email: 'me@example.com' } });
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  $org.set('org-a');
});
afterEach(() => {
  $session.set({ status: 'unknown' });
  $org.set(null);
  for (const t of $toasts.get()) dismissToast(t.id);
});

describe('streamURL and matches', () => {
  it('names the org, and where to resume', () => {
    expect(streamURL('org-a')).toBe('/api/v1/events/stream?org_id=org-a');
    expect(streamURL('org-a', '1718000000000-3')).toBe('/api/v1/events/stream?org_id=org-a&last_event_id=1718000000000-3');
  });
  it('matches a type, a prefix ending with a dot, or everything', () => {
    expect(matches('xentri.lead.created.v1', 'xentri.lead.created.v1')).toBe(true);
    expect(matches('xentri.lead.created.v1', 'xentri.lead.updated.v1')).toBe(false);
    expect(matches('xentri.lead.', 'xentri.lead.updated.v1')).toBe(true);
    expect(matches('xentri.lead.', 'xentri.leads.x.v1')).toBe(false);
    expect(matches('*', 'xentri.brief.updated.v1')).toBe(true);
  });
});

describe('the live stream', () => {
  it('opens only when signed in with an org, and closes on sign-out', () => {
    const { live, sources } = setup();
    const stop = live.start();
    expect(sources).toHaveLength(0);
    expect(live.$status.get()).toBe('off');
    signIn();
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/v1/events/stream?org_id=org-a');
    expect(live.$status.get()).toBe('connecting');
    sources[0]!.opened();
    expect(live.$status.get()).toBe('open');
    signIn(); // the same session again: no new stream
    expect(sources).toHaveLength(1);
    $session.set({ status: 'signed-out' });
    expect(sources[0]!.closed).toBe(true);
    expect(live.$status.get()).toBe('off');
    stop();
  });

  it('reconnects to the new org on an org switch, starting afresh', () => {
    const { live, sources } = setup();
    signIn();
    const stop = live.start();
    sources[0]!.opened();
    sources[0]!.emit(leadCreated('l1'), '5-0');
    $org.set('org-b');
    expect(sources[0]!.closed).toBe(true);
    expect(sources).toHaveLength(2);
    expect(sources[1]!.url).toBe('/api/v1/events/stream?org_id=org-b'); // no last_event_id of the other org
    stop();
    expect(sources[1]!.closed).toBe(true);
  });

  it('dispatches events by type and prefix, deduplicates, and ignores another org', () => {
    const { live, sources } = setup();
    signIn();
    const stop = live.start();
    const created = vi.fn();
    const leads = vi.fn();
    const off = live.onEvent('xentri.lead.created.v1', (e) => created(e.payload.lead_id));
    live.onEvent('xentri.lead.', (e) => leads(e.type));
    const s = sources[0]!;
    s.opened();
    s.emit(leadCreated('l1'));
    s.emit(leadCreated('l1')); // the same event id again
    s.emit(leadCreated('l2', 'ev-x', 'org-b'));
    expect(created.mock.calls).toEqual([['l1']]);
    expect(leads).toHaveBeenCalledTimes(1);
    expect(live.$last.get()?.id).toBe('ev-l1');
    off();
    s.emit(leadCreated('l3'));
    expect(created).toHaveBeenCalledTimes(1);
    expect(leads).toHaveBeenCalledTimes(2);
    stop();
  });

  it('lets EventSource retry by itself on a dropped connection', () => {
    const { live, sources, probe } = setup();
    signIn();
    const stop = live.start();
    sources[0]!.opened();
    sources[0]!.dropped();
    expect(live.$status.get()).toBe('reconnecting');
    expect(probe).not.toHaveBeenCalled();
    sources[0]!.opened();
    expect(live.$status.get()).toBe('open');
    expect(sources).toHaveLength(1);
    stop();
  });

  it('after an HTTP error, retries with backoff and resumes after the last event', async () => {
    const { live, sources, timers, runTimers, probe } = setup();
    probe.mockResolvedValue(503);
    signIn();
    const stop = live.start();
    sources[0]!.opened();
    sources[0]!.emit(leadCreated('l1'), '1718000000000-7');
    sources[0]!.refused();
    await flush();
    expect(probe).toHaveBeenCalledWith('/api/v1/events/stream?org_id=org-a&last_event_id=1718000000000-7');
    expect(timers.map((t) => t.ms)).toEqual([100]);
    runTimers();
    expect(sources).toHaveLength(2);
    expect(sources[1]!.url).toContain('last_event_id=1718000000000-7');
    sources[1]!.refused();
    await flush();
    expect(timers.map((t) => t.ms)).toEqual([200]);
    runTimers();
    sources[2]!.refused();
    await flush();
    expect(timers.map((t) => t.ms)).toEqual([200]); // the last delay repeats
    runTimers();
    sources[3]!.opened(); // back: the backoff starts over
    sources[3]!.refused();
    await flush();
    expect(timers.map((t) => t.ms)).toEqual([100]);
    stop();
  });

  it('stops after a 4xx, until the org or the session changes', async () => {
    const { live, sources, timers, probe } = setup();
    probe.mockResolvedValue(403);
    signIn();
    const stop = live.start();
    sources[0]!.refused();
    await flush();
    expect(live.$status.get()).toBe('stopped');
    expect(timers).toHaveLength(0);
    signIn(); // nothing changed
    expect(sources).toHaveLength(1);
    $org.set('org-b');
    expect(sources).toHaveLength(2);
    stop();
  });

  it('refreshes the session after a 401 and reconnects at once', async () => {
    const { live, sources, timers, runTimers, probe, refresh } = setup();
    probe.mockResolvedValue(401);
    signIn();
    const stop = live.start();
    sources[0]!.refused();
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(timers.map((t) => t.ms)).toEqual([0]);
    runTimers();
    expect(sources).toHaveLength(2);
    stop();
  });

  it('ignores a stale stream after a switch', async () => {
    const { live, sources, timers, probe } = setup();
    let answer: (n: number) => void = () => {};
    probe.mockImplementation(() => new Promise<number>((r) => (answer = r)));
    signIn();
    const stop = live.start();
    sources[0]!.refused();
    $org.set('org-b'); // while the probe is out
    answer(503);
    await flush();
    expect(timers).toHaveLength(0);
    expect(sources).toHaveLength(2);
    expect(live.$status.get()).toBe('connecting');
    stop();
  });

  it('keeps the other handlers when one throws', () => {
    const { live, sources, timers } = setup();
    signIn();
    const stop = live.start();
    const ok = vi.fn();
    live.onEvent('*', () => {
      throw new Error('boom');
    });
    live.onEvent('*', ok);
    sources[0]!.emit(leadCreated('l1'));
    expect(ok).toHaveBeenCalledTimes(1);
    expect(timers).toHaveLength(1); // the error is rethrown later, for the console
    stop();
  });
});

describe('announceNewLeads', () => {
  it('toasts the new lead by name, except the ones the user added', async () => {
    const { live, sources } = setup();
    signIn('u-me');
    const stop = live.start();
    const get = vi.fn(async () => ({ data: { name: 'Ada Lovelace' }, meta: {}, status: 200 }));
    const off = announceNewLeads({ get } as never, live);
    sources[0]!.emit(leadCreated('l1'));
    await flush();
    expect(get).toHaveBeenCalledWith('/api/v1/leads/{leadID}', { path: { leadID: 'l1' } });
    expect($toasts.get().map((t) => t.message)).toEqual(['New lead: Ada Lovelace']);
    sources[0]!.emit(leadCreated('l2', 'ev-2', 'org-a', 'u-me'));
    await flush();
    expect(get).toHaveBeenCalledTimes(1);
    off();
    stop();
  });

  it('still says so when the lead cannot be read', async () => {
    const { live, sources } = setup();
    signIn('u-me');
    const stop = live.start();
    const get = vi.fn(async () => {
      throw new Error('offline');
    });
    const off = announceNewLeads({ get } as never, live);
    sources[0]!.emit(leadCreated('l1'));
    await flush();
    expect($toasts.get().map((t) => t.message)).toEqual(['New lead']);
    off();
    stop();
  });
});

describe('onEvents', () => {
  const followup = (id: string): SystemEvent<'xentri.followup.scheduled.v1'> => ({
    ...leadCreated('l1', id),
    type: 'xentri.followup.scheduled.v1',
    payload: { lead_id: 'l1', followup_id: 'f1', due_at: '2025-06-02T10:00:00Z', step: 1, channel: 'email' },
  });

  it('calls once for a burst of matching events, again for the next burst, never for others', () => {
    vi.useFakeTimers();
    try {
      const { live, sources } = setup();
      signIn();
      const stop = live.start();
      const fn = vi.fn();
      const off = onEvents(['xentri.lead.created.v1', 'xentri.followup.scheduled.v1'], fn, 300, live);
      const s = sources[0]!;
      s.opened();
      s.emit(leadCreated('l1'));
      s.emit(followup('ev-f1'));
      vi.advanceTimersByTime(200);
      s.emit(leadCreated('l2'));
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledTimes(1); // 300 ms after the first of the burst
      vi.advanceTimersByTime(1000);
      expect(fn).toHaveBeenCalledTimes(1);
      s.emit({ ...leadCreated('l3'), type: 'xentri.lead.updated.v1' } as never);
      vi.advanceTimersByTime(1000);
      expect(fn).toHaveBeenCalledTimes(1);
      s.emit(leadCreated('l4'));
      vi.advanceTimersByTime(300);
      expect(fn).toHaveBeenCalledTimes(2);
      off();
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a steady stream still calls every interval, and a stop drops the pending call', () => {
    vi.useFakeTimers();
    try {
      const { live, sources } = setup();
      signIn();
      const stop = live.start();
      const fn = vi.fn();
      const off = onEvents(['xentri.lead.'], fn, 300, live);
      const s = sources[0]!;
      for (let i = 0; i < 10; i++) {
        s.emit(leadCreated(`l${i}`));
        vi.advanceTimersByTime(100);
      }
      expect(fn).toHaveBeenCalledTimes(3); // at 300, 600 and 900 ms: not starved as a debounce would be
      s.emit(leadCreated('last'));
      off();
      vi.advanceTimersByTime(1000);
      s.emit(leadCreated('after'));
      vi.advanceTimersByTime(1000);
      expect(fn).toHaveBeenCalledTimes(3);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
