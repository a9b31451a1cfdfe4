// Live updates of the notifications app: the list (and the unread count)
// reloads once after a burst of the events that add notifications. The
// frame's badge on the sidebar's Notifications link follows the same
// events (shell/sidebar.ts unreadBadge).
import { useLiveEvents } from '../../lib/ui';
import { staleOn } from './unread';

export { staleOn };

/** Calls onStale (a reload) once for each burst of the events in staleOn, while mounted. */
export function useLiveNotifications(onStale: () => void): void {
  useLiveEvents(staleOn, onStale);
}
