// The settings app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function SettingsApp(_: AppProps) {
  return (
    <AppPlaceholder name="Settings">
      Your organisation, its members and its integrations.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(SettingsApp);
