// Live updates: one EventSource per shell on GET /api/v1/events/stream for
// the current org (contracts/openapi.yaml, streamEvents; api/events.go), so
// the board, notifications and runs update without polling.
//
//   import { onEvent } from '../../lib/live';
//   const off = onEvent('xentri.lead.created.v1', (e) => load(e.payload.lead_id));
//   const offAll = onEvent('xentri.lead.', (e) => ...); // a prefix ends with '.'
//   off();
//
// The frame starts it (startLive) once: it follows $session and $org,
// reconnects on an org switch and closes on sign-out. EventSource retries
// by itself and resumes with Last-Event-ID; when it gives up (the stream
// answered an HTTP error), a probe finds out why: a 401 refreshes the
// session and reconnects, another 4xx stops, anything else retries with
// backoff, resuming after the last event seen (?last_event_id=).
import { atom, type ReadableAtom } from 'nanostores';
import { eventTypes, type EventType, type SystemEvent } from '../generated/events';
import { api, type Client } from './api';
import { $org, $session, $user, pushToast } from './stores';

/** Where the live stream stands. */
export type LiveStatus =
  | 'off' // signed out, or no org
  | 'connecting'
  | 'open'
  | 'reconnecting' // lost; EventSource or a timer tries again
  | 'stopped'; // the stream refused (4xx): no retry until the org or session changes

/** A type, or a prefix ending with "." (e.g. "xentri.lead."), or "*" for every event. */
export type EventPattern = EventType | `${string}.` | '*';

type Payload<P> = P extends EventType ? SystemEvent<P> : SystemEvent;

/** The part of EventSource this module uses (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export interface LiveDeps {
  /** Opens a stream (default: the browser's EventSource). */
  open?: (url: string) => EventSourceLike;
  /** The HTTP status the stream answers now (0 when unreachable). */
  probe?: (url: string) => Promise<number>;
  /** Refreshes the session after a 401; false when it is gone. */
  refresh?: () => Promise<boolean>;
  /** Delays between attempts after EventSource gave up, in ms (the last repeats). */
  backoff?: number[];
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export const STREAM_PATH = '/api/v1/events/stream';
const CLOSED = 2;
const SEEN = 256;

/** streamURL is the stream of org, resuming after lastId when given. */
export function streamURL(org: string, lastId?: string | null): string {
  const q = new URLSearchParams({ org_id: org });
  if (lastId) q.set('last_event_id', lastId);
  return `${STREAM_PATH}?${q}`;
}

/** matches says whether an event type is one a pattern names. */
export function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('.') ? type.startsWith(pattern) : type === pattern;
}

async function probeStatus(url: string): Promise<number> {
  const abort = new AbortController();
  try {
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/event-stream' }, signal: abort.signal });
    return res.status;
  } catch {
    return 0;
  } finally {
    abort.abort(); // only the status was wanted: drop the stream
  }
}

export interface Live {
  /** Follows $session and $org (idempotent); returns a stop. */
  start(): () => void;
  onEvent<P extends EventPattern>(pattern: P, handler: (event: Payload<P>) => void): () => void;
  $status: ReadableAtom<LiveStatus>;
  /** The last event received (for Nano Store readers; most code wants onEvent). */
  $last: ReadableAtom<SystemEvent | null>;
}

export function createLive(deps: LiveDeps = {}): Live {
  const open = deps.open ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike);
  const probe = deps.probe ?? probeStatus;
  const refresh = deps.refresh ?? (() => api.refresh());
  const backoff = deps.backoff?.length ? deps.backoff : [2_000, 5_000, 15_000, 30_000, 60_000];
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));

  const $status = atom<LiveStatus>('off');
  const $last = atom<SystemEvent | null>(null);
  const handlers = new Set<{ pattern: string; fn: (e: SystemEvent) => void }>();

  let org: string | null = null;
  let source: EventSourceLike | null = null;
  let timer: unknown = null;
  let lastId: string | null = null;
  let failures = 0;
  let generation = 0; // bumped on every (re)connect and close: late callbacks of an old stream are ignored
  let seen: string[] = [];
  let stopFollowing: (() => void) | null = null;

  function close(): void {
    generation++;
    source?.close();
    source = null;
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function connect(): void {
    close();
    if (!org) {
      $status.set('off');
      return;
    }
    const gen = generation;
    $status.set('connecting');
    const es = open(streamURL(org, lastId));
    source = es;
    es.onopen = () => {
      if (gen !== generation) return;
      failures = 0;
      $status.set('open');
    };
    es.onerror = () => {
      if (gen !== generation) return;
      // CONNECTING: it retries by itself (the server asks for 3 s) and
      // resumes with Last-Event-ID. CLOSED: it gave up on an HTTP error.
      if (es.readyState === CLOSED) void gaveUp(gen);
      else $status.set('reconnecting');
    };
    for (const type of eventTypes) es.addEventListener(type, (m) => gen === generation && receive(m));
  }

  async function gaveUp(gen: number): Promise<void> {
    source?.close();
    source = null;
    $status.set('reconnecting');
    const status = org ? await probe(streamURL(org, lastId)) : 0;
    if (gen !== generation) return;
    if (status === 401) {
      const ok = await refresh();
      if (gen !== generation) return;
      if (ok) return retry(gen, true);
      // Refused: the client signs the shell out, and the session listener
      // closes everything. Unreachable: try again later.
      if ($session.get().status === 'signed-in') retry(gen, false);
      else $status.set('stopped');
      return;
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      $status.set('stopped'); // refused (not a member, a bad id): retrying would not help
      return;
    }
    retry(gen, false);
  }

  function retry(gen: number, now: boolean): void {
    const delay = now ? 0 : backoff[Math.min(failures, backoff.length - 1)]!;
    failures++;
    timer = setTimer(() => {
      if (gen === generation) connect();
    }, delay);
  }

  function receive(m: MessageEvent): void {
    if (m.lastEventId) lastId = m.lastEventId;
    let event: SystemEvent;
    try {
      event = JSON.parse(String(m.data)) as SystemEvent;
    } catch {
      return;
    }
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') return;
    if (org && event.org_id && event.org_id !== org) return;
    if (event.id) {
      if (seen.includes(event.id)) return; // delivered twice across a reconnect
      seen.push(event.id);
      if (seen.length > SEEN) seen = seen.slice(-SEEN);
    }
    $last.set(event);
    for (const h of [...handlers]) {
      if (!matches(h.pattern, event.type)) continue;
      try {
        h.fn(event);
      } catch (err) {
        // One handler's bug must not starve the others.
        setTimer(() => {
          throw err;
        }, 0);
      }
    }
  }

  function follow(): void {
    const s = $session.get();
    const want = s.status === 'signed-in' ? $org.get() : null;
    if (want === org && (source || timer !== null || $status.get() === 'stopped')) return;
    if (want !== org) {
      // Stream ids are per stream, events per org: a new org starts afresh.
      lastId = null;
      seen = [];
    }
    org = want;
    failures = 0;
    connect();
  }

  return {
    start() {
      if (!stopFollowing) {
        const offSession = $session.listen(follow);
        const offOrg = $org.listen(follow);
        stopFollowing = () => {
          offSession();
          offOrg();
          stopFollowing = null;
          org = null;
          lastId = null;
          close();
          $status.set('off');
        };
        follow();
      }
      return stopFollowing;
    },
    onEvent(pattern, handler) {
      const entry = { pattern, fn: handler as (e: SystemEvent) => void };
      handlers.add(entry);
      return () => void handlers.delete(entry);
    },
    $status,
    $last,
  };
}

/** The shell's live stream: the frame starts it; apps subscribe with onEvent. */
export const live = createLive();
export const startLive = (): (() => void) => live.start();
export const onEvent = live.onEvent;
export const $liveStatus = live.$status;
export const $lastEvent = live.$last;

/** How long onEvents gathers a burst of events into one call, in ms. */
export const BURST_MS = 300;

/**
 * onEvents calls fn once for a burst of events matching any of patterns,
 * for what only needs to know that something is stale (a list to reload):
 * the first event arms a timer of ms, the ones before it fires join that
 * call. Unlike a debounce, a steady stream still calls fn every ms. The
 * returned stop unsubscribes and drops a pending call.
 */
export function onEvents(patterns: readonly EventPattern[], fn: () => void, ms = BURST_MS, source: Pick<Live, 'onEvent'> = live): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    fn();
  };
  const offs = patterns.map((p) => source.onEvent(p, () => void (timer ??= setTimeout(fire, ms))));
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}

/**
 * announceNewLeads raises "New lead: {name}" wherever the user is, for the
 * leads others add (the website form, a teammate, an import): the event
 * carries no contact details, so the name is read from GET /leads/{id}.
 * A lead the user added here has its own confirmation.
 */
export function announceNewLeads(client: Pick<Client, 'get'> = api, source: Pick<Live, 'onEvent'> = live): () => void {
  return source.onEvent('xentri.lead.created.v1', async (e) => {
    const me = $user.get();
    if (e.actor.type === 'user' && me && e.actor.id === me.id) return;
    let name: string | undefined;
    try {
      const { data } = await client.get('/api/v1/leads/{leadID}', { path: { leadID: e.payload.lead_id } });
      name = data?.name;
    } catch {
      name = undefined; // still worth saying
    }
    if ($org.get() !== e.org_id) return;
    pushToast(name ? `New lead: ${name}` : 'New lead', { tone: 'info' });
  });
}
