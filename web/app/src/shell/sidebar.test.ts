// The unread badge on the sidebar's Notifications link, against a fake
// fetch and a fake stream (live.onEvent spied on).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $unreadCount } from '../apps/notifications/unread';
import { fakeStream } from '../lib/live-fake';
import { $org, $session } from '../lib/stores';
import { unreadBadge } from './sidebar';

/** The link's accessible name: its text, without what is hidden from assistive technology. */
function accessibleName(el: Element): string {
  let out = '';
  for (const n of el.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) out += n.textContent;
    else if (n instanceof HTMLElement && !n.hidden && n.getAttribute('aria-hidden') !== 'true') out += accessibleName(n);
  }
  return out.replace(/\s+/g, ' ').trim();
}

describe('the unread badge', () => {
  let link: HTMLAnchorElement;
  let unread: number;
  let asked: { org: string | null }[];
  let stream: ReturnType<typeof fakeStream>;
  let stop: () => void;
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const badge = () => link.querySelector<HTMLElement>('.nav-badge')!;

  beforeEach(() => {
    link = document.createElement('a');
    link.href = '/notifications';
    link.innerHTML = '<svg aria-hidden="true"></svg><span>Notifications</span>';
    document.body.append(link);
    unread = 3;
    asked = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
        expect(new URL(String(input), 'http://x').pathname).toBe('/api/v1/notifications/unread');
        asked.push({ org: new Headers(init.headers).get('x-org-id') });
        return new Response(JSON.stringify({ data: { unread }, error: null, meta: {} }), { headers: { 'Content-Type': 'application/json' } });
      }),
    );
    stream = fakeStream();
    $org.set('org-1');
    $unreadCount.set(null);
  });
  afterEach(() => {
    stop();
    link.remove();
    vi.unstubAllGlobals();
    vi.useRealTimers();
    $session.set({ status: 'unknown' });
    $org.set(null);
  });

  it('shows the count, hides at 0 or unknown, caps at 99+, and says it in the link’s name', () => {
    stop = unreadBadge(link);
    expect(badge().hidden).toBe(true);
    expect(accessibleName(link)).toBe('Notifications');
    for (const [n, shown] of [
      [3, '3'],
      [99, '99'],
      [100, '99+'],
      [4321, '99+'],
    ] as const) {
      $unreadCount.set(n);
      expect(badge().hidden).toBe(false);
      expect(badge().textContent).toBe(shown);
      expect(accessibleName(link)).toBe(`Notifications, ${shown} unread`);
    }
    $unreadCount.set(0);
    expect(badge().hidden).toBe(true);
    expect(accessibleName(link)).toBe('Notifications');
    $unreadCount.set(null);
    expect(badge().hidden).toBe(true);
    expect(accessibleName(link)).toBe('Notifications');
  });

  it('reads the count on sign-in and on an org switch, and forgets it on sign-out', async () => {
    stop = unreadBadge(link);
    await flush();
    expect(asked).toEqual([]); // not signed in yet
    $session.set({ status: 'signed-in', user: { id: 'u', email: 'a@b.c' } });
    await flush();
    expect(asked).toEqual([{ org: 'org-1' }]);
    expect(badge().textContent).toBe('3');

    $session.set({ status: 'signed-in', user: { id: 'u', email: 'a@b.c' } }); // the same session again
    unread = 7;
    $org.set('org-2');
    expect(badge().hidden).toBe(true); // not org-1's count while org-2's is read
    await flush();
    expect(asked).toEqual([{ org: 'org-1' }, { org: 'org-2' }]);
    expect(badge().textContent).toBe('7');

    $session.set({ status: 'signed-out' });
    expect(badge().hidden).toBe(true);
    expect($unreadCount.get()).toBeNull();
  });

  it('reads it again once for a burst of the events that add notifications, never for others', async () => {
    $session.set({ status: 'signed-in', user: { id: 'u', email: 'a@b.c' } });
    stop = unreadBadge(link);
    await flush();
    expect(asked).toHaveLength(1);

    vi.useFakeTimers();
    unread = 5;
    stream.emit('xentri.lead.created.v1');
    stream.emit('xentri.followup.scheduled.v1');
    stream.emit('xentri.lead.created.v1');
    stream.emit('xentri.lead.updated.v1');
    await vi.advanceTimersByTimeAsync(300);
    expect(asked).toHaveLength(2);
    expect(badge().textContent).toBe('5');

    stream.emit('xentri.workflow.failed.v1');
    stream.emit('xentri.lead.updated.v1');
    await vi.advanceTimersByTimeAsync(1000);
    expect(asked).toHaveLength(2);

    stop();
    stop = () => {};
    expect(stream.handlers.size).toBe(0);
    expect(link.querySelector('.nav-badge')).toBeNull();
  });
});
