// The site app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function SiteApp(_: AppProps) {
  return (
    <AppPlaceholder name="Site">
      Edit your website's pages, preview a draft and publish it.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(SiteApp);
