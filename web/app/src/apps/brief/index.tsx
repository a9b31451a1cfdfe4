// The brief app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function BriefApp(_: AppProps) {
  return (
    <AppPlaceholder name="Brief">
      Your Universal Brief: who you serve, what you offer and where you're heading. Every other app starts from it.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(BriefApp);
