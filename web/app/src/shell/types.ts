// The contract between the shell's router and a micro-app.

/** What the router hands an app when it mounts it, and on every navigation inside it. */
export interface AppContext {
  /** The app's id, e.g. "leads": its folder under src/apps and its URL segment. */
  app: string;
  /** The app's URL root, e.g. "/leads". */
  base: string;
  /** The path under base: "" for /leads, "/42" for /leads/42. Route on this. */
  path: string;
  /** The query string. */
  search: URLSearchParams;
  /** The org the app acts in (the API client sends it as x-org-id), or null when the user has none. */
  orgId: string | null;
  /** Go somewhere in the shell (pushState; `replace` to replace the entry). */
  navigate(to: string, opts?: { replace?: boolean }): void;
  /** Aborted when the app is unmounted: pass it to api calls and timers. */
  signal: AbortSignal;
}

/**
 * An app's module (src/apps/{id}/index.ts[x]): the router imports it on the
 * first hover, focus or visit of the app, and mounts it in the outlet.
 */
export interface AppModule {
  /** Render into el (the router created it, empty, for this app). */
  mount(el: HTMLElement, ctx: AppContext): void | Promise<void>;
  /** A navigation inside the app (/leads -> /leads/42): re-render; without it the router remounts. */
  update?(ctx: AppContext): void;
  /** Tear down everything mount made (the router removes el after). */
  unmount(): void;
}

export type AppIcon = 'sparkles' | 'doc' | 'globe' | 'users' | 'bell' | 'activity' | 'sliders';

/** One entry of src/apps/registry.ts. */
export interface AppEntry {
  id: string;
  title: string;
  icon: AppIcon;
  load: () => Promise<AppModule>;
}
