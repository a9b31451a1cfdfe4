import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../lib/api';
import { $org, $orgs, $session } from '../lib/stores';
import type { Org } from '../lib/types';
import { bindCreateOrg } from './auth-view';
import { follow, frameViews, guard, ORG_VIEW, safeNext } from './frame';
import { matchRoute, Router } from './router';
import type { AppEntry } from './types';
import { apps } from '../apps/registry';

const route = (path: string) => matchRoute(path, apps, ['/login', '/signup', ORG_VIEW]);
const at = (path: string) => guard(route(new URL(path, 'http://x').pathname), new URL(path, 'http://x'));

const user = { id: 'u', email: 'ada@example.com' };
const org = (id: string): Org => ({ id, name: id.toUpperCase(), role: 'owner', created_at: '2025-01-01T00:00:00Z' });

afterEach(() => {
  $session.set({ status: 'unknown' });
  $orgs.set([]);
  $org.set(null);
});

describe('guard', () => {
  it('waits while the session is unknown', () => {
    expect(at('/leads')).toBeNull();
  });

  it('sends a signed-out visitor to log in, remembering where they were going', () => {
    $session.set({ status: 'signed-out' });
    expect(at('/leads/42?tab=notes')).toBe('/login?next=%2Fleads%2F42%3Ftab%3Dnotes');
    expect(at('/')).toBe('/login');
    expect(at('/login')).toBeNull();
    expect(at('/signup')).toBeNull();
  });

  it('sends a signed-in user from the auth views and "/" to where they were going, or the home app', () => {
    $orgs.set([org('a')]);
    $session.set({ status: 'signed-in', user });
    expect(at('/')).toBe('/co-pilot');
    expect(at('/login?next=%2Fleads%2F42')).toBe('/leads/42');
    expect(at('/login?next=https%3A%2F%2Fevil.example')).toBe('/co-pilot');
    expect(at('/signup')).toBe('/co-pilot');
    expect(at('/leads')).toBeNull();
    expect(at('/create-org?next=%2Fleads')).toBe('/leads');
    expect(at('/create-org')).toBe('/co-pilot');
  });

  it('sends a signed-in user in no org to create one, remembering where they were going', () => {
    $session.set({ status: 'signed-in', user });
    expect(at('/')).toBe('/create-org');
    expect(at('/leads/42?tab=notes')).toBe('/create-org?next=%2Fleads%2F42%3Ftab%3Dnotes');
    expect(at('/login?next=%2Fleads')).toBe('/create-org?next=%2Fleads');
    expect(at('/signup')).toBe('/create-org');
    expect(at('/nowhere')).toBe('/create-org');
    expect(at('/create-org?next=%2Fleads')).toBeNull();
  });

  it('sends a signed-out visitor from the create-org view to log in', () => {
    $session.set({ status: 'signed-out' });
    expect(at('/create-org')).toBe('/login');
    expect(at('/create-org?next=%2Fleads')).toBe('/login?next=%2Fleads');
  });
});

describe('safeNext', () => {
  it.each([
    ['/leads', '/leads'],
    ['//evil.example/x', null],
    ['https://evil.example', null],
    ['/login', null],
    ['/create-org?next=%2Fleads', null],
    [null, null],
  ])('%s -> %s', (next, want) => expect(safeNext(next)).toBe(want));
});

describe('the create-org view', () => {
  // The view's markup is the page's own (index.astro).
  const markup = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../pages/index.astro'), 'utf8').match(
    /<section id="view-create-org"[\s\S]*?<\/section>/,
  )![0];

  /** A fake app: mounting it says so in its root. */
  const fakeApp = (id: string): AppEntry => ({
    id,
    title: id,
    icon: 'doc',
    load: async () => ({ mount: (el) => void (el.textContent = `${id} app`), unmount() {} }),
  });

  let router: Router;
  let stop: () => void;
  let answer: () => Response;

  async function boot(path: string, orgs: Org[]) {
    document.body.innerHTML = `
      <nav id="sidebar"><a href="/co-pilot" data-app="co-pilot">Co-pilot</a><a href="/leads" data-app="leads">Leads</a></nav>
      <main><h1 id="outlet-title" tabindex="-1">Xentri</h1><div id="outlet"></div>${markup}</main>`;
    history.replaceState(null, '', path);
    $orgs.set(orgs);
    $org.set(orgs[0]?.id ?? null);
    $session.set({ status: 'signed-in', user });
    router = new Router({
      apps: [fakeApp('co-pilot'), fakeApp('leads')],
      views: frameViews(),
      outlet: document.getElementById('outlet')!,
      heading: document.getElementById('outlet-title')!,
      nav: document.getElementById('sidebar'),
      guard,
      org: () => $org.get(),
    });
    const form = document.getElementById('create-org-form') as HTMLFormElement;
    bindCreateOrg({ form, error: document.getElementById('create-org-error')! }, createClient({ fetch: async () => answer() }));
    await router.start();
    stop = follow(router);
  }

  const view = () => document.getElementById('view-create-org')!;
  const outlet = () => document.getElementById('outlet')!;
  const create = (name: string) => {
    (document.getElementById('create-org-name') as HTMLInputElement).value = name;
    (document.getElementById('create-org-form') as HTMLFormElement).requestSubmit();
  };
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  beforeEach(() => {
    vi.spyOn(window, 'scrollTo').mockImplementation(() => {}); // jsdom has none
    answer = () => json(201, { data: org('new'), error: null, meta: {} });
  });
  afterEach(() => {
    stop();
    router.stop();
  });

  it('shows to a signed-in user in no org, instead of the app, with the sidebar hidden', async () => {
    await boot('/leads/42', []);
    expect(location.pathname + location.search).toBe('/create-org?next=%2Fleads%2F42');
    expect(view().hidden).toBe(false);
    expect(outlet().hidden).toBe(true);
    expect(document.getElementById('outlet-title')!.textContent).toBe('Create your organisation');
    expect(document.getElementById('create-org-email')!.textContent).toBe('ada@example.com');
    expect(document.body.dataset.view).toBe('view-create-org'); // the CSS hides the sidebar and the org switcher
    expect(document.getElementById('create-org-name')!.getAttribute('maxlength')).toBe('200');
    expect(document.querySelector('label[for="create-org-name"]')!.textContent).toBe('Business name');
  });

  it('creates the org, then lands in the home app with the heading focused', async () => {
    await boot('/', []);
    expect(location.pathname).toBe('/create-org');
    create('Ada Bakery');
    await vi.waitFor(() => expect(outlet().textContent).toBe('co-pilot app'));
    expect(location.pathname).toBe('/co-pilot');
    expect($org.get()).toBe('new');
    expect($orgs.get().map((o) => o.id)).toEqual(['new']);
    expect(view().hidden).toBe(true);
    expect(document.body.dataset.view).toBeUndefined();
    expect(document.activeElement).toBe(document.getElementById('outlet-title'));
  });

  it('lands on the deep link the user was headed to', async () => {
    await boot('/leads/42', []);
    create('Ada Bakery');
    await vi.waitFor(() => expect(outlet().textContent).toBe('leads app'));
    expect(location.pathname).toBe('/leads/42');
  });

  it("shows a 400's field error under the name and stays", async () => {
    answer = () =>
      json(400, {
        type: 'x',
        title: 'Bad Request',
        status: 400,
        detail: 'The organisation needs a name of 1 to 200 characters.',
        trace_id: 't',
        errors: { name: 'must be 1 to 200 characters' },
      });
    await boot('/', []);
    create(' ');
    const slot = document.getElementById('create-org-name-error')!;
    await vi.waitFor(() => expect(slot.hidden).toBe(false));
    expect(slot.textContent).toBe('Business name must be 1 to 200 characters.');
    expect(document.getElementById('create-org-error')!.getAttribute('role')).toBe('alert');
    expect(location.pathname).toBe('/create-org');
    expect($org.get()).toBeNull();
  });

  it('is never shown to a user with an org', async () => {
    await boot('/create-org', [org('a')]);
    expect(location.pathname).toBe('/co-pilot');
    expect(view().hidden).toBe(true);
    await router.navigate('/create-org?next=%2Fleads');
    expect(location.pathname).toBe('/leads');
    expect(view().hidden).toBe(true);
  });

  it('shows when the last org goes (leaving it in Settings), with the heading focused', async () => {
    await boot('/leads', [org('a')]);
    await vi.waitFor(() => expect(outlet().textContent).toBe('leads app'));
    $orgs.set([]);
    $org.set(null);
    await vi.waitFor(() => expect(view().hidden).toBe(false));
    expect(location.pathname + location.search).toBe('/create-org'); // not back to the page of the org that went
    expect(outlet().hidden).toBe(true);
    expect(document.activeElement).toBe(document.getElementById('outlet-title'));
  });
});
