// The sidebar: keyboard use, and the unread badge on the Notifications link.
import { $unreadCount, refreshUnreadCount, staleOn } from '../apps/notifications/unread';
import { onEvents } from '../lib/live';
import { $org, $session } from '../lib/stores';

// Keyboard use of the sidebar: every item is a link in the tab order, and
// the arrow keys, Home and End move between them too.
export function sidebarKeys(nav: HTMLElement): void {
  nav.addEventListener('keydown', (e) => {
    const links = [...nav.querySelectorAll<HTMLAnchorElement>('a[data-app]')];
    const i = links.indexOf(e.target as HTMLAnchorElement);
    if (i < 0) return;
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: links.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    links[(to + links.length) % links.length]?.focus();
  });
}

/**
 * unreadBadge shows $unreadCount on a link (the sidebar's Notifications):
 * a badge ("99+" above 99) and ", 3 unread" in the link's accessible name;
 * nothing while the count is 0 or unknown. It reads the count on sign-in
 * and on an org switch, and again after a burst of the events that add
 * notifications. Returns a stop (for tests; the frame keeps it).
 */
export function unreadBadge(link: HTMLElement): () => void {
  const doc = link.ownerDocument;
  const badge = doc.createElement('span');
  badge.className = 'nav-badge';
  badge.setAttribute('aria-hidden', 'true'); // said by the text below, as part of the link's name
  const said = doc.createElement('span');
  said.className = 'visually-hidden';
  link.append(badge, said);

  const offCount = $unreadCount.subscribe((n) => {
    const text = !n ? '' : n > 99 ? '99+' : String(n);
    badge.textContent = text;
    badge.hidden = !text;
    said.textContent = text && `, ${text} unread`;
  });

  let org: string | null = null;
  let abort: AbortController | undefined;
  const refresh = () => {
    abort?.abort();
    abort = new AbortController();
    if (org) void refreshUnreadCount(abort.signal);
  };
  const follow = () => {
    const want = $session.get().status === 'signed-in' ? $org.get() : null;
    if (want === org) return;
    org = want;
    if (!org) $unreadCount.set(null); // signed out: not the next user's count
    refresh();
  };
  const offSession = $session.subscribe(follow);
  const offOrg = $org.listen(follow);
  const offEvents = onEvents(staleOn, refresh);
  return () => {
    abort?.abort();
    for (const off of [offCount, offSession, offOrg, offEvents]) off();
    badge.remove();
    said.remove();
  };
}
