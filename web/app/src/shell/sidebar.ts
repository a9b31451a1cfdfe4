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
