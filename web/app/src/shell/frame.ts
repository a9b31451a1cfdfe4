// The frame's script, the only JavaScript of the first paint: it finds out
// who is signed in, then routes. The apps' bundles load on demand (router.ts).
import { apps, homeApp } from '../apps/registry';
import { api, ApiError, EXPIRES_KEY } from '../lib/api';
import { loadSession } from '../lib/auth';
import { announceNewLeads, startLive } from '../lib/live';
import { $org, $orgs, $session, $toasts, $user, dismissToast } from '../lib/stores';
import { bindCreateOrg, bindLogin, bindSignup } from './auth-view';
import { mountHeader } from './header';
import { Router, type Route, type View } from './router';
import { sidebarKeys, unreadBadge } from './sidebar';
import { mountToasts } from './toasts';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The view of a signed-in user who belongs to no organisation: create one. */
export const ORG_VIEW = '/create-org';

/** A path of this site to go back to after logging in, or null. */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !/^\/(login|signup|create-org)/.test(next) ? next : null;
}

const goingTo = (to: string, next: string | null) => (next && next !== '/' ? `${to}?next=${encodeURIComponent(next)}` : to);

/**
 * guard: signed out, every route but the log-in and sign-up views goes to
 * /login (keeping where it was going in ?next=); signed in without an org,
 * every route goes to the create-org view (keeping it too), as the apps act
 * in an org; signed in, the views and "/" go to that place or the home app.
 */
export function guard(route: Route, url: URL): string | null {
  const s = $session.get();
  if (s.status === 'unknown') return null;
  const view = route.kind === 'view' ? route.view : null;
  const next = view ? safeNext(url.searchParams.get('next')) : url.pathname + url.search;
  if (s.status === 'signed-out') return view && view !== ORG_VIEW ? null : goingTo('/login', next);
  if (!$orgs.get().length) return view === ORG_VIEW ? null : goingTo(ORG_VIEW, route.kind === 'not-found' ? null : next);
  if (view) return next ?? `/${homeApp}`;
  if (route.kind === 'home') return `/${homeApp}`;
  return null;
}

/**
 * follow re-routes on a change of session or org: signing in or out goes
 * through the guard; switching orgs remounts the app; losing the last org
 * (leaving it) goes to the create-org view, without a ?next= (that org's
 * page means nothing now), and creating one leaves it for the app. Returns
 * a stop.
 */
export function follow(router: Router): () => void {
  const offSession = $session.listen(() => void router.refresh(true));
  const offOrg = $org.listen(() => {
    if ($session.get().status !== 'signed-in') return;
    if (!$orgs.get().length) void router.navigate(ORG_VIEW, { replace: true });
    else void router.refresh(router.route().kind === 'view');
  });
  return () => {
    offSession();
    offOrg();
  };
}

/** A view of the frame: a <section> of index.astro, its id on <body data-view> while shown (for CSS). */
function section(id: string, title: string, onShow?: () => void): View {
  const el = byId(id);
  const body = document.body.dataset;
  return {
    title,
    show() {
      el.hidden = false;
      body.view = id;
      // Between log in and sign up, keep where the user was going.
      for (const a of el.querySelectorAll<HTMLAnchorElement>('a.auth__other')) {
        a.search = location.search;
      }
      onShow?.();
    },
    hide() {
      el.hidden = true;
      delete body.view;
    },
  };
}

/** The frame's own views (index.astro), by path. */
export function frameViews(): Record<string, View> {
  const reason = byId('login-reason');
  return {
    '/login': section('view-login', 'Log in to Xentri', () => {
      const s = $session.get();
      reason.textContent = s.status === 'signed-out' && s.reason ? s.reason : '';
      reason.hidden = !reason.textContent;
    }),
    '/signup': section('view-signup', 'Create your Xentri account'),
    [ORG_VIEW]: section('view-create-org', 'Create your organisation', () => {
      byId('create-org-email').textContent = $user.get()?.email ?? '';
    }),
  };
}

function start(): void {
  const body = document.body;
  const outlet = byId('outlet');
  const nav = byId('sidebar');
  const skeleton = byId<HTMLTemplateElement>('outlet-skeleton');

  mountToasts(byId('toasts'));
  sidebarKeys(nav);
  const bell = nav.querySelector<HTMLElement>('a[data-app="notifications"]');
  if (bell) unreadBadge(bell);
  startLive();
  announceNewLeads();

  const router = new Router({
    apps,
    views: frameViews(),
    outlet,
    heading: byId('outlet-title'),
    nav,
    guard,
    org: () => $org.get(),
    skeleton: () => skeleton.content.cloneNode(true),
    titleSuffix: 'Xentri',
  });

  mountHeader(
    { select: byId('org-switcher'), email: byId('user-email'), logout: byId('logout') },
    () => void router.navigate('/login', { replace: true }),
  );
  bindLogin({ form: byId('login-form'), error: byId('login-error') });
  bindSignup({ form: byId('signup-form'), error: byId('signup-error') }, byId('signup-done'));
  bindCreateOrg({ form: byId('create-org-form'), error: byId('create-org-error') }, api);

  $session.subscribe((s) => {
    body.dataset.session = s.status;
    // Notices of the previous session ("You are logged out.") end with it.
    if (s.status === 'signed-in') for (const t of $toasts.get()) dismissToast(t.id);
  });
  // Another tab logged out (or its refresh was refused): so is this one.
  window.addEventListener('storage', (e) => {
    if (e.key === EXPIRES_KEY && e.newValue === null && $session.get().status === 'signed-in') {
      $session.set({ status: 'signed-out' });
    }
  });

  const boot = async () => {
    try {
      await loadSession();
    } catch (err) {
      byId('outlet-title').textContent = "We couldn't reach Xentri";
      const box = document.createElement('div');
      box.className = 'notice notice--error';
      box.setAttribute('role', 'alert');
      const p = document.createElement('p');
      p.textContent = err instanceof ApiError ? err.detail : 'Something went wrong. Please try again.';
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'button';
      retry.textContent = 'Try again';
      retry.addEventListener('click', () => {
        outlet.replaceChildren(skeleton.content.cloneNode(true));
        void boot();
      });
      box.append(p, retry);
      outlet.removeAttribute('aria-busy');
      outlet.replaceChildren(box);
      return;
    }
    await router.start();
    follow(router);
  };
  void boot();
}

if (typeof document !== 'undefined' && document.getElementById('outlet')) start();
