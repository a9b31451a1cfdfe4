// The Site app: the owner builds, previews and publishes their website.
// Routes (routes.ts): /site, /site/{siteId}, /site/{siteId}/pages/{pageId},
// /site/{siteId}/releases, /site/{siteId}/settings.
import { reactApp, type AppProps } from '../../lib/react-app';
import type { AppContext } from '../../shell/types';
import { PageEditor } from './editor';
import { PagesView } from './pages';
import { ReleasesView } from './releases';
import { parseRoute } from './routes';
import { SettingsView } from './settings';
import { SiteView } from './site';
import { SitesView } from './sites';
import cssUrl from './site.css?url';

function SiteApp({ ctx }: AppProps) {
  const route = parseRoute(ctx.path);
  if (!ctx.orgId) {
    return (
      <div className="notice" role="alert">
        <p>Choose an organisation in the header to see its sites.</p>
      </div>
    );
  }
  switch (route.view) {
    case 'sites':
      return <SitesView ctx={ctx} />;
    case 'not-found':
      return (
        <div className="notice" role="alert">
          <p>There is nothing at this address.</p>
          <a className="button" href="/site">
            See your sites
          </a>
        </div>
      );
    default:
      return (
        <SiteView key={route.siteId} ctx={ctx} route={route}>
          {route.view === 'site' && <PagesView />}
          {route.view === 'page' && <PageEditor pageId={route.pageId} />}
          {route.view === 'releases' && <ReleasesView />}
          {route.view === 'settings' && <SettingsView />}
        </SiteView>
      );
  }
}

// The app's stylesheet loads when the app mounts, not with the frame: Astro
// would link a CSS file imported here from the page itself, on first paint.
let sheet: Promise<void> | null = null;
function stylesheet(url: string): Promise<void> {
  sheet ??= new Promise<void>((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = url;
    link.dataset.app = 'site';
    link.addEventListener('load', () => resolve());
    link.addEventListener('error', () => resolve()); // unstyled beats nothing
    setTimeout(resolve, import.meta.env.MODE === 'test' ? 0 : 3000);
    document.head.append(link);
  });
  return sheet;
}

const app = reactApp(SiteApp);

export async function mount(el: HTMLElement, ctx: AppContext): Promise<void> {
  await stylesheet(cssUrl);
  if (ctx.signal.aborted) return; // left before the styles came
  app.mount(el, ctx);
}
export const { update, unmount } = app;
