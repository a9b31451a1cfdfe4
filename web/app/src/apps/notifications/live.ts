// LIVE UPDATES HOOK POINT (notifications).
//
// lib/live.ts (the org's event stream, GET /api/v1/events/stream) is being
// built in parallel; this app neither depends on it nor polls. It loads on
// mount and on the Refresh button. When live.ts lands, make
// useLiveNotifications subscribe to `staleOn` and call onStale (which
// reloads the list and the unread count), e.g.:
//
//   export function useLiveNotifications(onStale: () => void) {
//     useLiveEvents(staleOn, onStale);
//   }
//
// Notifications have no event of their own: a high-value lead arrives with
// xentri.lead.created.v1, a follow-up falls due with
// xentri.followup.scheduled.v1 (services/sales).
import type { EventType } from '../../lib/types';

/** The events after which the notification list (and the unread count) may be stale. */
export const staleOn: readonly EventType[] = ['xentri.lead.created.v1', 'xentri.followup.scheduled.v1'];

/** Calls onStale when a live event makes the list stale. A no-op until lib/live.ts exists. */
export function useLiveNotifications(_onStale: () => void): void {
  // Intentionally empty: see above.
}
