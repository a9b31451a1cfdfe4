// LIVE UPDATES HOOK POINT (runs).
//
// lib/live.ts (the org's event stream, GET /api/v1/events/stream) is being
// built in parallel; this app neither depends on it nor polls. It loads on
// mount and on the Refresh button. When live.ts lands, make useLiveRuns
// subscribe to `staleOn` and call onStale (which reloads the list), e.g.:
//
//   export function useLiveRuns(onStale: () => void) {
//     useLiveEvents(staleOn, onStale);
//   }
//
// A workflow that fails for good records its dead letter and emits
// xentri.workflow.failed.v1 (its payload carries dead_letter_id); owners
// and admins receive it on the stream, members never do.
import type { EventType } from '../../lib/types';

/** The events after which the list of failed runs may be stale. */
export const staleOn: readonly EventType[] = ['xentri.workflow.failed.v1'];

/** Calls onStale when a live event makes the list stale. A no-op until lib/live.ts exists. */
export function useLiveRuns(_onStale: () => void): void {
  // Intentionally empty: see above.
}
