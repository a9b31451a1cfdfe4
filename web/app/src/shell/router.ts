// The shell's router: maps the URL to a micro-app, prefetches an app's
// bundle when its sidebar item is hovered or focused, mounts it in the
// outlet on click (history.pushState), and follows back/forward. The frame
// is static HTML: nothing here runs React, the apps bring their own.
import type { AppContext, AppEntry, AppModule } from './types';

export type Route =
  | { kind: 'app'; app: AppEntry; path: string }
  | { kind: 'view'; view: string }
  | { kind: 'home' }
  | { kind: 'not-found' };

/** A view of the frame itself (log in, sign up): shown instead of an app. */
export interface View {
  title: string;
  show(): void;
  hide(): void;
}

/**
 * matchRoute: "/" is home, "/login" a view, "/leads" and "/leads/42" the
 * leads app with path "" and "/42"; anything else is not found.
 */
export function matchRoute(pathname: string, apps: readonly AppEntry[], views: readonly string[] = []): Route {
  const clean = pathname.replace(/\/+$/, '') || '/';
  if (clean === '/') return { kind: 'home' };
  if (views.includes(clean)) return { kind: 'view', view: clean };
  const [, first = '', ...rest] = clean.split('/');
  const app = apps.find((a) => a.id === first);
  if (!app) return { kind: 'not-found' };
  return { kind: 'app', app, path: rest.length ? `/${rest.join('/')}` : '' };
}

export interface RouterOptions {
  apps: readonly AppEntry[];
  /** The frame's own views, by path ("/login"). */
  views?: Record<string, View>;
  /** Where apps mount (and the skeleton, and load errors). */
  outlet: HTMLElement;
  /** The outlet's heading: it names the app, and takes the focus on every route change. */
  heading: HTMLElement;
  /** The sidebar: hovering or focusing an a[data-app] in it prefetches that app. */
  nav?: HTMLElement | null;
  /** Redirects: the path to go to instead (replaceState), or null to render the route. */
  guard?: (route: Route, url: URL) => string | null;
  /** The org an app acts in, for its context. */
  org?: () => string | null;
  /** What the outlet shows while an app loads. */
  skeleton?: () => Node;
  /** Called after every route change (tests, analytics). */
  onRoute?: (route: Route) => void;
  win?: Window;
  /** document.title is "{title} · {titleSuffix}". */
  titleSuffix?: string;
}

interface Mounted {
  app: AppEntry;
  mod: AppModule;
  root: HTMLElement;
  abort: AbortController;
}

export class Router {
  private readonly o: RouterOptions;
  private readonly win: Window;
  private readonly loads = new Map<string, Promise<AppModule>>();
  private readonly failures = new Map<string, number>();
  private mounted: Mounted | null = null;
  private view: View | null = null;
  private token = 0;
  private readonly off: Array<() => void> = [];

  constructor(opts: RouterOptions) {
    this.o = opts;
    this.win = opts.win ?? window;
  }

  /** start listens for clicks, back/forward and sidebar hovers, and renders the current URL. */
  start(): Promise<void> {
    const on = <K extends string>(target: EventTarget, type: K, fn: (e: any) => void) => {
      target.addEventListener(type, fn);
      this.off.push(() => target.removeEventListener(type, fn));
    };
    on(this.win, 'popstate', () => void this.render(true));
    on(this.win.document, 'click', (e: MouseEvent) => this.onClick(e));
    if (this.o.nav) {
      const warm = (e: Event) => {
        const id = (e.target as Element | null)?.closest?.('a[data-app]')?.getAttribute('data-app');
        if (id) this.prefetch(id).catch(() => {}); // a failed prefetch is retried on click
      };
      on(this.o.nav, 'pointerover', warm);
      on(this.o.nav, 'focusin', warm);
    }
    return this.render(false);
  }

  stop(): void {
    for (const f of this.off.splice(0)) f();
    this.teardown();
  }

  /** navigate goes to a path of the shell: pushState (or replaceState) and render. */
  navigate(to: string, opts: { replace?: boolean } = {}): Promise<void> {
    const loc = this.win.location;
    const url = new URL(to, loc.href);
    const target = url.pathname + url.search + url.hash;
    if (target !== loc.pathname + loc.search + loc.hash) {
      this.win.history[opts.replace ? 'replaceState' : 'pushState'](null, '', target);
    }
    return this.render(true);
  }

  /** prefetch starts loading an app's bundle, once; a failed load may be tried again. */
  prefetch(id: string): Promise<AppModule> {
    let p = this.loads.get(id);
    if (!p) {
      const app = this.o.apps.find((a) => a.id === id);
      if (!app) return Promise.reject(new Error(`no app ${id}`));
      p = app.load().catch((err) => {
        this.loads.delete(id);
        throw err;
      });
      this.loads.set(id, p);
    }
    return p;
  }

  /** refresh remounts the current app (the org changed) or re-renders the route (the session changed). */
  refresh(focus = false): Promise<void> {
    this.teardown();
    return this.render(focus);
  }

  /** The route of the current URL. */
  route(): Route {
    return matchRoute(this.win.location.pathname, this.o.apps, Object.keys(this.o.views ?? {}));
  }

  private onClick(e: MouseEvent): void {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
    const loc = this.win.location;
    const url = new URL(a.href, loc.href);
    if (url.origin !== loc.origin) return;
    if (url.hash && url.pathname === loc.pathname && url.search === loc.search) return; // in-page (the skip link)
    // Only the shell's routes: /api/..., /sites/..., /readyz and the like load for real.
    if (matchRoute(url.pathname, this.o.apps, Object.keys(this.o.views ?? {})).kind === 'not-found') return;
    e.preventDefault();
    void this.navigate(url.pathname + url.search + url.hash);
  }

  private async render(focus: boolean, hops = 0): Promise<void> {
    const token = ++this.token;
    const url = new URL(this.win.location.href);
    const route = this.route();
    const redirect = hops < 5 ? this.o.guard?.(route, url) : null;
    if (redirect && redirect !== url.pathname + url.search) {
      this.win.history.replaceState(null, '', redirect);
      return this.render(focus, hops + 1);
    }
    this.markCurrent(route);

    if (route.kind === 'view') {
      const view = this.o.views![route.view]!;
      this.teardown();
      this.o.outlet.hidden = true;
      if (this.view !== view) {
        this.view?.hide();
        view.show();
        this.view = view;
      }
      this.title(view.title, focus);
      this.o.onRoute?.(route);
      return;
    }
    this.view?.hide();
    this.view = null;
    this.o.outlet.hidden = false;

    if (route.kind !== 'app') {
      this.teardown();
      this.title('Page not found', focus);
      this.o.outlet.removeAttribute('aria-busy');
      this.o.outlet.replaceChildren(this.message('There is nothing at this address.', 'Go to the start', () => this.navigate('/')));
      this.o.onRoute?.(route);
      return;
    }

    const { app } = route;
    const m = this.mounted;
    if (m && m.app.id === app.id && m.mod.update) {
      m.mod.update(this.context(route, m.abort.signal));
      this.o.onRoute?.(route);
      return;
    }
    this.teardown();
    this.title(app.title, focus);
    this.o.outlet.setAttribute('aria-busy', 'true');
    this.o.outlet.replaceChildren(this.o.skeleton?.() ?? this.win.document.createElement('div'));

    let mod: AppModule;
    try {
      mod = await this.prefetch(app.id);
    } catch (err) {
      if (token !== this.token) return;
      console.error(`loading the ${app.id} app failed`, err);
      this.loadFailed(app);
      this.o.onRoute?.(route);
      return;
    }
    if (token !== this.token) return; // a newer navigation won
    this.failures.delete(app.id);

    const root = this.win.document.createElement('div');
    root.className = 'app-root';
    root.dataset.app = app.id;
    this.o.outlet.replaceChildren(root);
    const abort = new AbortController();
    this.mounted = { app, mod, root, abort };
    try {
      await mod.mount(root, this.context(route, abort.signal));
    } catch (err) {
      console.error(`mounting the ${app.id} app failed`, err);
      if (token === this.token) this.loadFailed(app);
    } finally {
      if (token === this.token) this.o.outlet.removeAttribute('aria-busy');
    }
    this.o.onRoute?.(route);
  }

  private context(route: Extract<Route, { kind: 'app' }>, signal: AbortSignal): AppContext {
    return {
      app: route.app.id,
      base: `/${route.app.id}`,
      path: route.path,
      search: new URLSearchParams(this.win.location.search),
      orgId: this.o.org?.() ?? null,
      navigate: (to, opts) => void this.navigate(to, opts),
      signal,
    };
  }

  private teardown(): void {
    const m = this.mounted;
    if (!m) return;
    this.mounted = null;
    m.abort.abort();
    try {
      m.mod.unmount();
    } catch (err) {
      console.error(`unmounting the ${m.app.id} app failed`, err);
    }
    m.root.remove();
  }

  private title(text: string, focus: boolean): void {
    this.o.heading.textContent = text;
    this.win.document.title = this.o.titleSuffix ? `${text} · ${this.o.titleSuffix}` : text;
    if (focus) {
      this.o.heading.focus({ preventScroll: true });
      this.win.scrollTo?.(0, 0);
    }
  }

  private markCurrent(route: Route): void {
    const id = route.kind === 'app' ? route.app.id : null;
    for (const a of this.o.nav?.querySelectorAll<HTMLElement>('a[data-app]') ?? []) {
      if (a.dataset.app === id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  /** An inline error with a retry (seed §6.G): the outlet is the page's primary content. */
  private loadFailed(app: AppEntry): void {
    const n = (this.failures.get(app.id) ?? 0) + 1;
    this.failures.set(app.id, n);
    this.o.outlet.removeAttribute('aria-busy');
    // A second failure is likely a new release whose bundles replaced this
    // page's: reloading fetches the new page.
    const retry = n > 1 ? () => this.win.location.reload() : () => void this.refresh(true);
    this.o.outlet.replaceChildren(
      this.message(`We couldn't load ${app.title}. Check your connection and try again.`, n > 1 ? 'Reload the page' : 'Try again', retry, true),
    );
  }

  private message(text: string, action: string, onAction: () => void, error = false): HTMLElement {
    const doc = this.win.document;
    const box = doc.createElement('div');
    box.className = error ? 'notice notice--error' : 'notice';
    if (error) box.setAttribute('role', 'alert');
    const p = doc.createElement('p');
    p.textContent = text;
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = 'button';
    button.textContent = action;
    button.addEventListener('click', onAction);
    box.append(p, button);
    return box;
  }
}
