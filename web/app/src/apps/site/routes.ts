// The Site app's routes, from ctx.path (the path under /site):
//   ""                          the sites
//   /{siteId}                   a site: its pages, publishing and schedules
//   /{siteId}/pages/{pageId}    the page editor, with its live preview
//   /{siteId}/releases          the releases, with rollback
//   /{siteId}/settings          the site's name, theme, navigation and SEO

export type Route =
  | { view: 'sites' }
  | { view: 'site'; siteId: string }
  | { view: 'page'; siteId: string; pageId: string }
  | { view: 'releases'; siteId: string }
  | { view: 'settings'; siteId: string }
  | { view: 'not-found' };

export function parseRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [siteId, section, pageId, ...rest] = parts;
  if (!siteId) return { view: 'sites' };
  if (!section) return { view: 'site', siteId };
  if (section === 'pages' && pageId && rest.length === 0) return { view: 'page', siteId, pageId };
  if (pageId !== undefined) return { view: 'not-found' };
  if (section === 'releases') return { view: 'releases', siteId };
  if (section === 'settings') return { view: 'settings', siteId };
  return { view: 'not-found' };
}

/** The shell URL of a route (links are plain <a href>: the router intercepts them). */
export const href = {
  sites: () => '/site',
  site: (siteId: string) => `/site/${encodeURIComponent(siteId)}`,
  page: (siteId: string, pageId: string) => `/site/${encodeURIComponent(siteId)}/pages/${encodeURIComponent(pageId)}`,
  releases: (siteId: string) => `/site/${encodeURIComponent(siteId)}/releases`,
  settings: (siteId: string) => `/site/${encodeURIComponent(siteId)}/settings`,
};
