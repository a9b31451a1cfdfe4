// The unread count of the current org's notifications: the bell's badge.
// Framework-free (no React), so the frame's header can use it as well as
// any app:
//
//   import { $unreadCount, refreshUnreadCount } from '../apps/notifications/unread';
//   $unreadCount.subscribe((n) => (badge.textContent = n ? String(n) : ''));
//   void refreshUnreadCount();
//
// In React, useUnreadCount() (./use-unread-count.ts). The notifications app
// keeps the store right as the user reads notifications here; the frame's
// badge (shell/sidebar.ts unreadBadge) reads it again after the events in
// staleOn. This module must stay free of React: the frame imports it.
import { atom } from 'nanostores';
import { api } from '../../lib/api';
import { $org } from '../../lib/stores';
import type { EventType } from '../../lib/types';

/**
 * The events after which the notification list and the unread count may be
 * stale. Notifications have no event of their own: services/sales adds one
 * in the transaction that emits xentri.lead.created.v1 (a high-value lead)
 * or xentri.followup.scheduled.v1 (a follow-up falls due).
 */
export const staleOn: readonly EventType[] = ['xentri.lead.created.v1', 'xentri.followup.scheduled.v1'];

/** How many of the current org's notifications are unread; null until known. */
export const $unreadCount = atom<number | null>(null);

// Another org, another count: forget the previous org's.
$org.listen(() => $unreadCount.set(null));

/** fetchUnreadCount asks the API (GET /api/v1/notifications/unread); it throws ApiError. */
export async function fetchUnreadCount(signal?: AbortSignal): Promise<number> {
  const { data } = await api.get('/api/v1/notifications/unread', { signal });
  return Math.max(0, data?.unread ?? 0);
}

/**
 * refreshUnreadCount reads the count into $unreadCount and returns it. A
 * failure keeps the last known count and returns null: a badge is never
 * worth an error message.
 */
export async function refreshUnreadCount(signal?: AbortSignal): Promise<number | null> {
  const org = $org.get();
  try {
    const n = await fetchUnreadCount(signal);
    if ($org.get() === org) $unreadCount.set(n); // the org did not change meanwhile
    return n;
  } catch {
    return null;
  }
}

/** setUnreadCount records a count the caller knows exactly (the whole list was read). */
export function setUnreadCount(n: number): void {
  $unreadCount.set(Math.max(0, n));
}

/** adjustUnreadCount moves a known count by delta (-1 when one is read); an unknown count stays unknown. */
export function adjustUnreadCount(delta: number): void {
  const n = $unreadCount.get();
  if (n !== null) $unreadCount.set(Math.max(0, n + delta));
}
