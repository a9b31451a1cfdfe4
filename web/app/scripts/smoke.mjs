// A smoke test of the shell in a real browser against a running Xentri
// (`make dev`), with Debian's chromium driven by playwright-core. Not part
// of `npm test` (it needs the whole stack); the end-to-end suite will grow
// from here.
//
//   npm run smoke                       # http://127.0.0.1:8080, /usr/bin/chromium
//   XENTRI_URL=http://127.0.0.1:8080 CHROMIUM=/usr/bin/chromium SMOKE_SHOTS=/tmp npm run smoke
//
// It signs up a fresh user, and checks: the redirect to log in keeps the
// deep link, no React before an app mounts, prefetch on hover, mounting on
// click with pushState and the focus on the heading, refresh and back, a
// refresh of the session when the access cookie is gone, keyboard use of the sidebar, log out with a toast, an inline problem on a
// wrong password, log in again, a 404 for a missing asset, and no console
// error or CSP violation on the way.
import { chromium } from 'playwright-core';

const base = process.env.XENTRI_URL ?? 'http://127.0.0.1:8080';
const shots = process.env.SMOKE_SHOTS;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const problems = [];
let step = '';
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${step}: ${what}`);
  if (!ok) problems.push(`${step}: ${what}`);
};

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The browser logs every 401 itself; the shell expects them (signed out, wrong password).
  page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && problems.push(`console: ${m.text()}`));
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
  if (shots) await page.screenshot({ path: `${shots}/shell-login.png` });

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
  check((await page.locator('#user-email').textContent()) === email, 'the header shows the user');
  check((await page.locator('#org-switcher option:checked').textContent()) === 'Smoke Bakery', 'the org switcher shows the new org');
  check((await page.locator('a[data-app="leads"]').getAttribute('aria-current')) === 'page', 'Leads is the current item');
  if (shots) await page.screenshot({ path: `${shots}/shell-leads.png` });

  step = 'prefetch on hover, mount on click';
  check(!bundles.includes('app-site'), 'the site bundle is not loaded yet');
  const siteBundle = page.waitForResponse((r) => r.url().includes('/_astro/app-site.'));
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
  await page.waitForURL(`${base}/leads/42`);
  await page.locator('.app-root[data-app="leads"]').waitFor();
  check((await heading()) === 'Leads', 'back goes back');

  step = 'the access token expires';
  await page.context().clearCookies({ name: 'xentri_access' });
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
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
  if (shots) await page.screenshot({ path: `${shots}/shell-logged-out.png` });

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
  await page.locator('.app-root[data-app="co-pilot"] .placeholder').waitFor();
  check((await heading()) === 'Co-pilot', 'the home app');
  check((await page.locator('.toast').count()) === 0, 'the notice of the previous session is gone');
  if (shots) await page.screenshot({ path: `${shots}/shell-co-pilot.png` });

  step = 'a missing asset';
  const res = await page.request.get(`${base}/_astro/nothing.abc.js`);
  check(res.status() === 404, `GET /_astro/nothing.abc.js = ${res.status()}`);

  step = 'console';
  const noise = problems.filter((p) => p.startsWith('console') || p.startsWith('page error'));
  check(noise.length === 0, noise.length ? noise.join('; ') : 'no errors, no CSP violations');
} catch (err) {
  problems.push(`${step}: ${err.message}`);
  console.error(err);
} finally {
  await browser.close();
}

if (problems.length) {
  console.error(`\nsmoke test failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('\nsmoke test passed');
