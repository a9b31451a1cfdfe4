// Where a publish stands, as a reducer the Publish panel drives: POST
// /sites/{id}/publish answers 202 with the release id, then the release's
// status URL is polled. Until the release's snapshot is taken (a publish
// queued behind another) that URL is a 404; then the release goes
// snapshot -> rendered -> uploaded -> live, or failed with its reason.
import type { Schemas } from '../../lib/types';

export type Release = Schemas['Release'];
export type PublishStarted = Schemas['PublishStarted'];

export type PublishState =
  | { phase: 'idle' }
  | { phase: 'starting' }
  /** Accepted; the release has no snapshot yet (queued behind another publish, or just starting). */
  | { phase: 'waiting'; releaseId: string; queuedBehind: string | null; pollErrors: number }
  | { phase: 'running'; releaseId: string; release: Release; pollErrors: number }
  | { phase: 'live'; releaseId: string; release: Release }
  | { phase: 'failed'; releaseId: string | null; reason: string; release?: Release };

export type PublishEvent =
  | { type: 'start' }
  | { type: 'accepted'; started: PublishStarted }
  /** A release found in progress (the page was opened while a publish ran). */
  | { type: 'resume'; release: Release }
  | { type: 'polled'; release: Release }
  /** The status URL is a 404: the snapshot is not taken yet. */
  | { type: 'not-yet' }
  /** A poll failed (network, 5xx): tolerated a few times in a row. */
  | { type: 'poll-failed'; reason: string }
  /** The publish could not be asked for (422 no pages, 503, ...). */
  | { type: 'refused'; reason: string }
  | { type: 'dismiss' };

/** Polls that may fail in a row before the panel gives up watching. */
export const MAX_POLL_ERRORS = 5;

export const initialPublish: PublishState = { phase: 'idle' };

const inProgress = (s: Release['status']) => s === 'snapshot' || s === 'rendered' || s === 'uploaded';

function fromRelease(releaseId: string, release: Release): PublishState {
  if (release.status === 'failed') {
    return { phase: 'failed', releaseId, reason: release.failure || 'The publish failed.', release };
  }
  // retired: it went live, and a newer release has replaced it since.
  if (release.status === 'live' || release.status === 'retired') return { phase: 'live', releaseId, release };
  return { phase: 'running', releaseId, release, pollErrors: 0 };
}

export function publishReducer(state: PublishState, event: PublishEvent): PublishState {
  switch (event.type) {
    case 'start':
      return state.phase === 'starting' || isWatching(state) ? state : { phase: 'starting' };
    case 'accepted':
      return {
        phase: 'waiting',
        releaseId: event.started.release_id,
        queuedBehind: event.started.queued ? (event.started.queued_behind ?? null) : null,
        pollErrors: 0,
      };
    case 'resume':
      return inProgress(event.release.status) && !isWatching(state) ? fromRelease(event.release.id, event.release) : state;
    case 'polled':
      if (!isWatching(state) || event.release.id !== state.releaseId) return state;
      return fromRelease(state.releaseId, event.release);
    case 'not-yet':
      if (state.phase === 'waiting') return { ...state, pollErrors: 0 };
      return state;
    case 'poll-failed': {
      if (!isWatching(state)) return state;
      const pollErrors = state.pollErrors + 1;
      if (pollErrors >= MAX_POLL_ERRORS) {
        return {
          phase: 'failed',
          releaseId: state.releaseId,
          reason: `We lost track of this publish (${event.reason}). It may still finish: see Releases.`,
          release: state.phase === 'running' ? state.release : undefined,
        };
      }
      return { ...state, pollErrors };
    }
    case 'refused':
      return state.phase === 'starting' ? { phase: 'failed', releaseId: null, reason: event.reason } : state;
    case 'dismiss':
      return isWatching(state) || state.phase === 'starting' ? state : { phase: 'idle' };
  }
}

/** Whether the panel polls the release (it is not finished). */
export function isWatching(s: PublishState): s is Extract<PublishState, { phase: 'waiting' | 'running' }> {
  return s.phase === 'waiting' || s.phase === 'running';
}

/** How long to wait before the next poll, in ms. */
export function pollDelay(s: PublishState): number {
  if (s.phase === 'waiting') return s.queuedBehind ? 2000 : 700;
  if (s.phase === 'running') return 700 * 2 ** Math.min(s.pollErrors, 3);
  return 0;
}

export const STEPS = [
  { key: 'snapshot', label: 'Snapshot', detail: 'Pinning every page as it is now' },
  { key: 'rendered', label: 'Rendered', detail: 'Building the pages' },
  { key: 'uploaded', label: 'Uploaded', detail: 'Storing the files' },
  { key: 'live', label: 'Live', detail: 'Switching visitors to it' },
] as const;

export type StepKey = (typeof STEPS)[number]['key'];
export type StepState = 'done' | 'current' | 'todo' | 'failed';

/**
 * Each step's state. The current step is the one being worked on (after the
 * last one reached); a failed release fails the step after the last one its
 * timestamps show it reached.
 */
export function stepStates(s: PublishState): { key: StepKey; label: string; detail: string; state: StepState }[] {
  const at = (reached: number, failedAt = -1, current = reached + 1) =>
    STEPS.map((st, i) => ({
      ...st,
      state: (i === failedAt ? 'failed' : i <= reached ? 'done' : i === current ? 'current' : 'todo') as StepState,
    }));
  switch (s.phase) {
    case 'idle':
      return at(-1, -1, -1);
    case 'starting':
    case 'waiting':
      return at(-1);
    case 'running':
      return at(STEPS.findIndex((st) => st.key === s.release.status));
    case 'live':
      return at(STEPS.length - 1);
    case 'failed': {
      if (!s.release) return at(-1, 0, -1);
      const reached = s.release.status === 'failed' ? (s.release.uploaded_at ? 2 : s.release.rendered_at ? 1 : 0) : STEPS.findIndex((st) => st.key === s.release?.status);
      return at(reached, reached + 1, -1);
    }
  }
}

/** The one-line status for the panel (and its aria-live region). */
export function publishHeadline(s: PublishState, behindNumber?: number | null): string {
  switch (s.phase) {
    case 'idle':
      return '';
    case 'starting':
      return 'Asking to publish…';
    case 'waiting':
      if (s.queuedBehind) return behindNumber ? `Queued behind release #${behindNumber}, which is being published` : 'Queued behind a publish that is running';
      return 'Starting the publish…';
    case 'running': {
      const step = STEPS.find((st) => st.key === s.release.status);
      const next = STEPS[STEPS.findIndex((st) => st.key === s.release.status) + 1];
      return `Publishing release #${s.release.number}: ${next ? next.detail.toLowerCase() : step?.detail.toLowerCase() ?? ''}…`;
    }
    case 'live':
      return s.release.status === 'retired'
        ? `Release #${s.release.number} went live, and a newer release has replaced it since.`
        : `Release #${s.release.number} is live.`;
    case 'failed':
      return s.release ? `Release #${s.release.number} failed: ${s.reason}` : s.reason;
  }
}
