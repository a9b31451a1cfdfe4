// The co-pilot app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function CopilotApp(_: AppProps) {
  return (
    <AppPlaceholder name="Co-pilot">
      Talk through your business with the Strategy Co-pilot. It turns your answers into your Universal Brief.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(CopilotApp);
