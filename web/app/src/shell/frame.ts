// The frame's script, the only JavaScript of the first paint: it finds out
// who is signed in, then routes. The apps' bundles load on demand (router.ts).
import { apps, homeApp } from '../apps/registry';
import { ApiError, EXPIRES_KEY } from '../lib/api';
import { loadSession } from '../lib/auth';
import { announceNewLeads, startLive } from '../lib/live';
import { $org, $session, $toasts, dismissToast } from '../lib/stores';
import { bindLogin, bindSignup } from './auth-view';
import { mountHeader } from './header';
import { Router, type Route, type View } from './router';
import { sidebarKeys, unreadBadge } from './sidebar';
import { mountToasts } from './toasts';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A path of this site to go back to after logging in, or null. */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') && !next.startsWith('/signup')
    ? next
    : null;
}

/**
 * guard: signed out, every route but the auth views goes to /login (keeping
 * where it was going in ?next=); signed in, the auth views and "/" go to
 * that place or the home app.
 */
export function guard(route: Route, url: URL): string | null {
  const s = $session.get();
  if (s.status === 'unknown') return null;
  if (s.status === 'signed-out') {
    if (route.kind === 'view') return null;
    const here = url.pathname + url.search;
    return here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
  }
  if (route.kind === 'view') return safeNext(url.searchParams.get('next')) ?? `/${homeApp}`;
  if (route.kind === 'home') return `/${homeApp}`;
  return null;
}

function section(id: string, title: string, onShow?: () => void): View {
  const el = byId(id);
  return {
    title,
    show() {
      el.hidden = false;
      // Between log in and sign up, keep where the user was going.
      for (const a of el.querySelectorAll<HTMLAnchorElement>('a.auth__other')) {
        a.search = location.search;
      }
      onShow?.();
    },
    hide() {
      el.hidden = true;
    },
  };
}

function start(): void {
  const body = document.body;
  const outlet = byId('outlet');
  const nav = byId('sidebar');
  const reason = byId('login-reason');
  const skeleton = byId<HTMLTemplateElement>('outlet-skeleton');

  mountToasts(byId('toasts'));
  sidebarKeys(nav);
  const bell = nav.querySelector<HTMLElement>('a[data-app="notifications"]');
  if (bell) unreadBadge(bell);
  startLive();
  announceNewLeads();

  const router = new Router({
    apps,
    views: {
      '/login': section('view-login', 'Log in to Xentri', () => {
        const s = $session.get();
        reason.textContent = s.status === 'signed-out' && s.reason ? s.reason : '';
        reason.hidden = !reason.textContent;
      }),
      '/signup': section('view-signup', 'Create your Xentri account'),
    },
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
    // Signing in or out re-routes (through the guard); switching orgs remounts the app.
    $session.listen(() => void router.refresh(true));
    $org.listen(() => {
      if ($session.get().status === 'signed-in') void router.refresh();
    });
  };
  void boot();
}

if (typeof document !== 'undefined' && document.getElementById('outlet')) start();
