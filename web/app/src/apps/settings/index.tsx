/// <reference types="vite/client" />
// The settings app: /settings (members), /settings/members, /settings/tokens,
// /settings/integrations, /settings/sales. Each section loads on its own
// when shown; the org is the current one ($org).
import { useStore } from '@nanostores/react';
import type { ComponentType } from 'react';
import { reactApp, type AppProps } from '../../lib/react-app';
import { $currentOrg, $org, $user } from '../../lib/stores';
import { Integrations } from './integrations';
import { Members, type SectionProps } from './members';
import { Sales } from './sales';
import stylesheet from './settings.css?url';
import { Tokens } from './tokens';


interface Tab {
  path: string;
  label: string;
  Section: ComponentType<SectionProps>;
}

export const tabs: readonly Tab[] = [
  { path: '/members', label: 'Members', Section: Members },
  { path: '/tokens', label: 'API tokens', Section: Tokens },
  { path: '/integrations', label: 'Integrations', Section: Integrations },
  { path: '/sales', label: 'Sales', Section: Sales },
];

/** tabOf picks the section of a path under /settings ("" is members); undefined for none. */
export function tabOf(path: string): Tab | undefined {
  const p = path.replace(/\/+$/, '') || '/members';
  return tabs.find((t) => t.path === p);
}

function SettingsApp({ ctx }: AppProps) {
  const orgId = useStore($org) ?? ctx.orgId;
  const org = useStore($currentOrg);
  const user = useStore($user);
  const tab = tabOf(ctx.path);

  return (
    <div className="set">
      <nav className="set__tabs" aria-label="Settings">
        <ul>
          {tabs.map((t) => (
            <li key={t.path}>
              <a href={`${ctx.base}${t.path}`} aria-current={t === tab ? 'page' : undefined}>
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {!orgId ? (
        <div className="notice">
          <p>You are not in an organisation yet, so there is nothing to set up here.</p>
        </div>
      ) : tab ? (
        <tab.Section key={`${orgId}${tab.path}`} orgId={orgId} orgName={org?.name ?? ''} role={org?.role} userId={user?.id} />
      ) : (
        <div className="notice">
          <p>There is no such page in Settings.</p>
          <a className="button" href={`${ctx.base}/members`}>
            Go to Members
          </a>
        </div>
      )}
    </div>
  );
}

export const { mount, update, unmount } = reactApp(SettingsApp, { stylesheet });
