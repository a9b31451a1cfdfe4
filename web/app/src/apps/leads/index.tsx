// The leads app (a placeholder until it is built). The router imports this
// module on the first hover, focus or visit of its sidebar item and calls
// mount(el, ctx); see web/README.md.
import { reactApp, type AppProps } from '../../lib/react-app';
import { AppPlaceholder } from '../../lib/ui';

function LeadsApp(_: AppProps) {
  return (
    <AppPlaceholder name="Leads">
      Every enquiry in one place, with the follow-ups Xentri schedules for you.
    </AppPlaceholder>
  );
}

export const { mount, update, unmount } = reactApp(LeadsApp);
