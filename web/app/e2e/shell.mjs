// The frame in chromium, as a visitor and a signed-in user meet it: the
// redirect to log in keeps the deep link, no React before an app mounts,
// prefetch on hover, mounting on click with pushState and the focus on the
// heading, refresh and back, a refresh of the session when the access
// cookie is gone, keyboard use of the sidebar, log out with a toast, an
// inline problem on a wrong password, log in again, a 404 for a missing
// asset, and no console error or CSP violation on the way. Part of
// e2e/run.mjs (E2E_ONLY=shell).

import { responseTo } from './stack.mjs';

/** shell runs the checks in a fresh context against base; check(ok, what) reports each. */
export async function shell({ browser, url: base, shots, check: report }) {
  let step = '';
  const problems = [];
  const check = (ok, what) => report(ok, `${step}: ${what}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    // The browser logs every 401 itself; the shell expects them (signed out, wrong password).
    // Expected: the 401s of a signed-out visitor and a wrong password, the
    // 404 of the lead that is not there (the deep link), and the Brief's
    // 404 in an org the co-pilot has not written one for.
    const expected = (m) => {
      if (/status of 401/.test(m.text())) return true;
      const path = new URL(m.location().url, base).pathname;
      return /status of 404/.test(m.text()) && (path === '/api/v1/brief' || path.startsWith('/api/v1/leads/'));
    };
    page.on('console', (m) => m.type() === 'error' && !expected(m) && problems.push(`${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const bundles = [];
    page.on('request', (r) => {
      const m = new URL(r.url()).pathname.match(/^\/_astro\/([\w-]+)\./);
      if (m) bundles.push(m[1]);
    });
    const heading = () => page.locator('#outlet-title').textContent();
    const focused = () => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName);
    const email = `smoke-${Date.now()}@example.com`;
    const password = 'correct horse battery';

    step = 'deep link, signed out';
    await page.goto(`${base}/leads/42`);
    await page.waitForURL(/\/login\?next=/);
    check(new URL(page.url()).searchParams.get('next') === '/leads/42', `redirected to ${page.url()}`);
    check((await heading()) === 'Log in to Xentri', 'the log-in view');
    check(!bundles.includes('react'), `no React on first paint (loaded: ${bundles.join(', ')})`);
    await page.screenshot({ path: `${shots}/shell-login.png` });

    step = 'sign up';
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup\?next=/);
    const signup = page.locator('#view-signup');
    await signup.getByLabel('Email').fill(email);
    await signup.getByLabel('Password').fill(password);
    await signup.getByLabel('Business name').fill('Smoke Bakery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/leads/42`);
    await page.locator('.app-root[data-app="leads"] .leads-board').waitFor();
    check((await heading()) === 'Leads', 'back at the deep link, the leads app mounted');
    // Lead 42 is no lead: the drawer says so, offers no retry, and closes.
    const drawer = page.locator('.leads-drawer');
    await drawer.getByText('No such lead.').waitFor();
    check((await drawer.getByRole('button', { name: 'Try again' }).count()) === 0, 'a lead that does not exist is not offered a retry');
    await page.keyboard.press('Escape');
    await page.waitForURL(`${base}/leads`);
    check((await page.locator('#user-email').textContent()) === email, 'the header shows the user');
    check((await page.locator('#org-switcher option:checked').textContent()) === 'Smoke Bakery', 'the org switcher shows the new org');
    check((await page.locator('a[data-app="leads"]').getAttribute('aria-current')) === 'page', 'Leads is the current item');
    await page.screenshot({ path: `${shots}/shell-leads.png` });

    step = 'prefetch on hover, mount on click';
    check(!bundles.includes('app-site'), 'the site bundle is not loaded yet');
    const siteBundle = responseTo(page, (r) => r.url().includes('/_astro/app-site.'));
    await page.locator('a[data-app="site"]').hover();
    await siteBundle;
    check(true, 'hovering Site fetched its bundle');
    await page.locator('a[data-app="site"]').click();
    await page.waitForURL(`${base}/site`);
    await page.locator('.app-root[data-app="site"] > *').waitFor();
    check((await heading()) === 'Site', 'the site app mounted');
    check((await focused()) === 'outlet-title', 'the focus is on the heading');
    check(bundles.filter((b) => b === 'app-site').length === 1, 'its bundle loaded once');

    step = 'refresh and back';
    await page.reload();
    await page.locator('.app-root[data-app="site"] > *').waitFor();
    check((await heading()) === 'Site', 'a refresh keeps the app');
    await page.goBack();
    await page.waitForURL(`${base}/leads`);
    await page.locator('.app-root[data-app="leads"]').waitFor();
    check((await heading()) === 'Leads', 'back goes back');

    step = 'the access token expires';
    await page.context().clearCookies({ name: 'xentri_access' });
    const refreshed = responseTo(page, (r) => r.url().endsWith('/api/v1/auth/refresh'));
    await page.reload();
    check((await refreshed).status() === 200, 'the 401 of /me made the shell refresh the session');
    await page.locator('.app-root[data-app="leads"]').waitFor();
    check((await heading()) === 'Leads', 'and it is still signed in');

    step = 'keyboard';
    await page.locator('a[data-app="co-pilot"]').focus();
    await page.keyboard.press('ArrowDown');
    check((await page.evaluate(() => document.activeElement?.getAttribute('data-app'))) === 'brief', 'ArrowDown moves to the next item');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/brief`);
    check((await heading()) === 'Brief', 'Enter opens it');

    step = 'log out';
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await page.locator('.toast', { hasText: 'You are logged out.' }).waitFor();
    check(true, 'the log-in view and a toast');
    await page.screenshot({ path: `${shots}/shell-logged-out.png` });

    step = 'wrong password';
    const login = page.locator('#view-login');
    await login.getByLabel('Email').fill(email);
    await login.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#login-error:not([hidden])').waitFor();
    check(((await page.locator('#login-error').textContent()) ?? '').length > 0, `an inline error: ${await page.locator('#login-error').textContent()}`);

    step = 'log in';
    await login.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/co-pilot`);
    await page.locator('.app-root[data-app="co-pilot"] > *').first().waitFor();
    check((await heading()) === 'Co-pilot', 'the home app');
    check((await page.locator('.toast').count()) === 0, 'the notice of the previous session is gone');
    await page.screenshot({ path: `${shots}/shell-co-pilot.png` });

    step = 'a missing asset';
    const res = await page.request.get(`${base}/_astro/nothing.abc.js`);
    check(res.status() === 404, `GET /_astro/nothing.abc.js = ${res.status()}`);

    step = 'console';
    check(problems.length === 0, problems.length ? `console: ${problems.join('; ')}` : 'no errors, no CSP violations');
  } finally {
    await context.close();
  }
}
