// The runs app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function RunsApp(_: AppProps) {
  return (
    <AppPlaceholder name="Runs">
      The background work Xentri does for you (publishing, follow-ups, Brief generation) and how each run went.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(RunsApp);
