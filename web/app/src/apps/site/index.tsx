// The Site app: the owner builds, previews and publishes their website.
// Routes (routes.ts): /site, /site/{siteId}, /site/{siteId}/pages/{pageId},
// /site/{siteId}/releases, /site/{siteId}/settings.
import { reactApp, type AppProps } from '../../lib/react-app';
import { PageEditor } from './editor';
import { PagesView } from './pages';
import { ReleasesView } from './releases';
import { parseRoute } from './routes';
import { SettingsView } from './settings';
import { SiteView } from './site';
import { SitesView } from './sites';
import stylesheet from './site.css?url';

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

export const { mount, update, unmount } = reactApp(SiteApp, { stylesheet });
