import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { matchRoute, Router, type Route, type View } from './router';
import type { AppContext, AppEntry, AppModule } from './types';

/** A fake app: its module records mounts, updates and unmounts. */
function fakeApp(id: string, opts: { update?: boolean } = {}) {
  const log: string[] = [];
  const contexts: AppContext[] = [];
  const mod: AppModule = {
    mount(el, ctx) {
      contexts.push(ctx);
      log.push(`mount ${ctx.path}`);
      el.innerHTML = `<p>${id} app</p>`;
    },
    unmount() {
      log.push('unmount');
    },
  };
  if (opts.update) {
    mod.update = (ctx) => {
      contexts.push(ctx);
      log.push(`update ${ctx.path}`);
    };
  }
  const load = vi.fn(async () => mod);
  const entry: AppEntry = { id, title: id[0]!.toUpperCase() + id.slice(1), icon: 'doc', load };
  return { entry, load, log, contexts, mod };
}

let leads: ReturnType<typeof fakeApp>;
let site: ReturnType<typeof fakeApp>;
let router: Router | null = null;

function setup(extra: { guard?: (r: Route, u: URL) => string | null; views?: Record<string, View> } = {}) {
  document.body.innerHTML = `
    <nav id="nav"><a href="/leads" data-app="leads">Leads</a><a href="/site" data-app="site">Site</a></nav>
    <main><h1 id="title" tabindex="-1">Xentri</h1><div id="outlet"></div></main>
    <a id="deep" href="/leads/42?tab=notes">a lead</a>
    <a id="api" href="/api/v1/openapi.json">contract</a>
    <a id="skip" href="#main">skip</a>`;
  router = new Router({
    apps: [leads.entry, site.entry],
    outlet: document.getElementById('outlet')!,
    heading: document.getElementById('title')!,
    nav: document.getElementById('nav'),
    org: () => 'org-1',
    skeleton: () => Object.assign(document.createElement('div'), { className: 'skeleton' }),
    titleSuffix: 'Xentri',
    ...extra,
  });
  return router;
}

const click = (el: Element, init: MouseEventInit = {}) => {
  const e = new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init });
  el.dispatchEvent(e);
  return e;
};
const settle = () => new Promise((r) => setTimeout(r, 0));
const outlet = () => document.getElementById('outlet')!;

beforeEach(() => {
  vi.spyOn(window, 'scrollTo').mockImplementation(() => {}); // jsdom has none
  history.replaceState(null, '', '/');
  leads = fakeApp('leads', { update: true });
  site = fakeApp('site');
});

afterEach(() => {
  router?.stop();
  router = null;
});

describe('matchRoute', () => {
  const apps = [fakeApp('leads').entry, fakeApp('co-pilot').entry];
  it.each([
    ['/', { kind: 'home' }],
    ['/login', { kind: 'view', view: '/login' }],
    ['/leads', { kind: 'app', id: 'leads', path: '' }],
    ['/leads/', { kind: 'app', id: 'leads', path: '' }],
    ['/leads/42/notes', { kind: 'app', id: 'leads', path: '/42/notes' }],
    ['/co-pilot', { kind: 'app', id: 'co-pilot', path: '' }],
    ['/leadsx', { kind: 'not-found' }],
    ['/api/v1/me', { kind: 'not-found' }],
  ])('%s', (path, want) => {
    const r = matchRoute(path, apps, ['/login']);
    expect(r.kind === 'app' ? { kind: r.kind, id: r.app.id, path: r.path } : r).toEqual(want);
  });
});

describe('Router', () => {
  it('mounts the app of a deep link on start, with its context, without moving the focus', async () => {
    history.replaceState(null, '', '/leads/42?tab=notes');
    await setup().start();
    expect(outlet().textContent).toBe('leads app');
    expect(leads.log).toEqual(['mount /42']);
    const ctx = leads.contexts[0]!;
    expect(ctx).toMatchObject({ app: 'leads', base: '/leads', path: '/42', orgId: 'org-1' });
    expect(ctx.search.get('tab')).toBe('notes');
    expect(document.getElementById('title')!.textContent).toBe('Leads');
    expect(document.title).toBe('Leads · Xentri');
    expect(document.activeElement).toBe(document.body);
    expect(document.querySelector('a[data-app="leads"]')!.getAttribute('aria-current')).toBe('page');
    expect(outlet().hasAttribute('aria-busy')).toBe(false);
  });

  it('on a sidebar click: pushState, unmounts the old app, mounts the new one, focuses the heading', async () => {
    history.replaceState(null, '', '/leads');
    await setup().start();
    const push = vi.spyOn(history, 'pushState');
    const e = click(document.querySelector('a[data-app="site"]')!);
    expect(e.defaultPrevented).toBe(true);
    await settle();
    expect(push).toHaveBeenCalledWith(null, '', '/site');
    expect(location.pathname).toBe('/site');
    expect(leads.log).toEqual(['mount ', 'unmount']);
    expect(leads.contexts[0]!.signal.aborted).toBe(true);
    expect(site.log).toEqual(['mount ']);
    expect(outlet().textContent).toBe('site app');
    expect(document.activeElement).toBe(document.getElementById('title'));
    expect(document.querySelector('a[data-app="site"]')!.getAttribute('aria-current')).toBe('page');
    expect(document.querySelector('a[data-app="leads"]')!.hasAttribute('aria-current')).toBe(false);
  });

  it('shows the skeleton while the bundle loads', async () => {
    let release!: (m: AppModule) => void;
    site.load.mockImplementationOnce(() => new Promise<AppModule>((r) => (release = r)));
    history.replaceState(null, '', '/site');
    const started = setup().start();
    await settle();
    expect(outlet().querySelector('.skeleton')).not.toBeNull();
    expect(outlet().getAttribute('aria-busy')).toBe('true');
    release(site.mod);
    await started;
    expect(outlet().textContent).toBe('site app');
  });

  it('prefetches an app on hover and on focus of its sidebar item, loading its bundle once', async () => {
    history.replaceState(null, '', '/leads');
    await setup().start();
    const link = document.querySelector('a[data-app="site"]')!;
    link.dispatchEvent(new Event('pointerover', { bubbles: true }));
    link.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    link.dispatchEvent(new Event('pointerover', { bubbles: true }));
    expect(site.load).toHaveBeenCalledTimes(1);
    expect(site.log).toEqual([]); // prefetched, not mounted
    click(link);
    await settle();
    expect(site.load).toHaveBeenCalledTimes(1);
    expect(site.log).toEqual(['mount ']);
  });

  it('updates the app in place on a navigation inside it (when it can), else remounts', async () => {
    history.replaceState(null, '', '/leads');
    await setup().start();
    click(document.getElementById('deep')!);
    await settle();
    expect(location.pathname + location.search).toBe('/leads/42?tab=notes');
    expect(leads.log).toEqual(['mount ', 'update /42']);
    await router!.navigate('/site');
    await router!.navigate('/site/pages');
    expect(site.log).toEqual(['mount ', 'unmount', 'mount /pages']);
  });

  it('follows back and forward', async () => {
    history.replaceState(null, '', '/leads');
    await setup().start();
    await router!.navigate('/site');
    history.back();
    await vi.waitFor(() => expect(location.pathname).toBe('/leads'));
    await vi.waitFor(() => expect(outlet().textContent).toBe('leads app'));
    expect(site.log).toEqual(['mount ', 'unmount']);
  });

  it('leaves other links to the browser: other paths, modifier keys, new tabs, in-page anchors', async () => {
    history.replaceState(null, '', '/leads');
    await setup().start();
    expect(click(document.getElementById('api')!).defaultPrevented).toBe(false);
    expect(click(document.getElementById('skip')!).defaultPrevented).toBe(false);
    expect(click(document.querySelector('a[data-app="site"]')!, { ctrlKey: true }).defaultPrevented).toBe(false);
    expect(click(document.querySelector('a[data-app="site"]')!, { button: 1 }).defaultPrevented).toBe(false);
    const blank = document.querySelector('a[data-app="site"]')!;
    blank.setAttribute('target', '_blank');
    expect(click(blank).defaultPrevented).toBe(false);
  });

  it('a newer navigation wins over an app still loading', async () => {
    let release!: (m: AppModule) => void;
    site.load.mockImplementationOnce(() => new Promise<AppModule>((r) => (release = r)));
    history.replaceState(null, '', '/leads');
    await setup().start();
    const slow = router!.navigate('/site');
    await router!.navigate('/leads');
    release(site.mod);
    await slow;
    expect(site.log).toEqual([]);
    expect(outlet().textContent).toBe('leads app');
  });

  it('shows an inline error with a retry when a bundle fails to load', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    site.load.mockRejectedValueOnce(new TypeError('Failed to fetch dynamically imported module'));
    history.replaceState(null, '', '/site');
    await setup().start();
    const alert = outlet().querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain("We couldn't load Site");
    click(alert.querySelector('button')!);
    await vi.waitFor(() => expect(outlet().textContent).toBe('site app'));
    expect(site.load).toHaveBeenCalledTimes(2);
  });

  it('says so at a path that is no app', async () => {
    history.replaceState(null, '', '/nothing-here');
    await setup().start();
    expect(document.getElementById('title')!.textContent).toBe('Page not found');
  });

  it('redirects as the guard says, and shows the frame views', async () => {
    const login = { title: 'Log in', show: vi.fn(), hide: vi.fn() };
    const guard = (r: Route, u: URL) => (r.kind === 'app' ? `/login?next=${encodeURIComponent(u.pathname)}` : null);
    history.replaceState(null, '', '/leads');
    await setup({ guard, views: { '/login': login } }).start();
    expect(location.pathname + location.search).toBe('/login?next=%2Fleads');
    expect(login.show).toHaveBeenCalledOnce();
    expect(outlet().hidden).toBe(true);
    expect(leads.log).toEqual([]);
    expect(document.getElementById('title')!.textContent).toBe('Log in');
  });

  it('refresh remounts the current app (an org switch)', async () => {
    history.replaceState(null, '', '/site');
    await setup().start();
    await router!.refresh();
    expect(site.log).toEqual(['mount ', 'unmount', 'mount ']);
  });
});
