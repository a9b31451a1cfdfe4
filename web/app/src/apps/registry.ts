// The micro-apps, in sidebar order. Each is its own bundle: the dynamic
// import() below is where the build splits it off, and the router calls
// load() on the first hover, focus or visit of the app's sidebar item.
// Adding an app: a folder src/apps/{id}/ with an index.tsx that exports
// mount/unmount (see web/README.md), and one line here.
import type { AppEntry } from '../shell/types';

export const apps: readonly AppEntry[] = [
  { id: 'co-pilot', title: 'Co-pilot', icon: 'sparkles', load: () => import('./co-pilot/index') },
  { id: 'brief', title: 'Brief', icon: 'doc', load: () => import('./brief/index') },
  { id: 'site', title: 'Site', icon: 'globe', load: () => import('./site/index') },
  { id: 'leads', title: 'Leads', icon: 'users', load: () => import('./leads/index') },
  { id: 'notifications', title: 'Notifications', icon: 'bell', load: () => import('./notifications/index') },
  { id: 'runs', title: 'Runs', icon: 'activity', load: () => import('./runs/index') },
  { id: 'settings', title: 'Settings', icon: 'sliders', load: () => import('./settings/index') },
];

/** Where "/" goes for a signed-in user. */
export const homeApp = 'co-pilot';
