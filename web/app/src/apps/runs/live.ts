// Live updates of the runs app: the list reloads once after a burst of
// failed workflows. A workflow that fails for good records its dead letter
// and emits xentri.workflow.failed.v1 (its payload carries dead_letter_id)
// in one transaction; owners and admins receive it on the stream, members
// never do.
import type { EventType } from '../../lib/types';
import { useLiveEvents } from '../../lib/ui';

/** The events after which the list of failed runs may be stale. */
export const staleOn: readonly EventType[] = ['xentri.workflow.failed.v1'];

/** Calls onStale (a reload) once for each burst of the events in staleOn, while mounted. */
export function useLiveRuns(onStale: () => void): void {
  useLiveEvents(staleOn, onStale);
}
