// The shell's browser tests against a real `xentri dev`: the product's
// journey from sign-up to a won lead (journey.mjs), the frame's own ways
// (shell.mjs: deep links, prefetch, history, session refresh, keyboard,
// log out and in), accessibility of every
// app (axe, wcag2a, wcag2aa, wcag21aa: no serious or critical violation), a
// screenshot of each app, and the performance budget.
//
//   make build && node e2e/run.mjs          # starts its own xentri dev
//   XENTRI_URL=http://127.0.0.1:8080 node e2e/run.mjs
//   E2E_SHOTS=/tmp/shots node e2e/run.mjs   # where screenshots go (default: e2e-artifacts/)
//   E2E_ONLY=journey node e2e/run.mjs       # one part: journey, shell, axe or budget
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { appSizes, budget, measurePaint } from './budget.mjs';
import { journey } from './journey.mjs';
import { shell } from './shell.mjs';
import { launchBrowser, signUp, startStack } from './stack.mjs';

const shots = resolve(process.env.E2E_SHOTS ?? resolve(import.meta.dirname, '../e2e-artifacts'));
mkdirSync(shots, { recursive: true });
const apps = ['co-pilot', 'brief', 'site', 'leads', 'notifications', 'runs', 'settings'];
const failures = [];
const fail = (what) => {
  failures.push(what);
  console.log(`FAIL ${what}`);
};
const only = process.env.E2E_ONLY;
const part = (name) => !only || only === name;

const stack = await startStack();
const browser = await launchBrowser();
try {
  if (part('journey')) {
    const started = Date.now();
    try {
      await journey({
        browser,
        url: stack.url,
        shots,
        check: (ok, what) => (ok ? console.log(`ok   journey: ${what}`) : fail(`journey: ${what}`)),
      });
      console.log(`the journey took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      fail(`journey stopped: ${err.message}`);
    }
  }
  if (part('shell')) {
    try {
      await shell({ browser, url: stack.url, shots, check: (ok, what) => (ok ? console.log(`ok   shell: ${what}`) : fail(`shell: ${what}`)) });
    } catch (err) {
      fail(`shell stopped: ${err.message}`);
    }
  }
  if (part('axe')) await accessibility();
  if (part('budget')) await performance();
} finally {
  await browser.close();
  await stack.stop();
}
console.log(`screenshots in ${shots}`);
if (failures.length) {
  console.log(`${failures.length} failures`);
  process.exit(1);
}

async function accessibility() {
  // Accessibility and a screenshot of each app, signed in.
  const who = await signUp(stack.url, `e2e-${Date.now()}@example.com`, 'Harbour Yoga');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies(who.cookies);
  const page = await context.newPage();
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  for (const app of apps) {
    await page.goto(`${stack.url}/${app}`);
    await page.locator(`.app-root[data-app="${app}"]`).waitFor({ timeout: 20_000 });
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${shots}/${app}.png`, fullPage: true });
    // The app's stylesheet comes after the shell's, so its rules win over
    // the shell's at equal specificity (scripts/build.mjs, shellStylesheets).
    const sheets = await page.$$eval('link[rel="stylesheet"]', (ls) => ls.map((l) => l.dataset.precedence ?? ''));
    const shell = sheets.indexOf('shell');
    const own = sheets.indexOf('app');
    if (shell < 0 || (own >= 0 && own < shell)) fail(`${app}: stylesheets in the wrong order: ${sheets.join(', ')}`);
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of bad) fail(`axe ${app}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`);
    console.log(`${bad.length ? 'FAIL' : 'ok  '} axe ${app}: ${result.violations.length} violations, ${bad.length} serious or critical`);
  }
  await context.close();
  // The log-in view too (what a visitor sees first).
  {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${stack.url}/login`);
    await p.locator('#view-login').waitFor();
    await p.screenshot({ path: `${shots}/login.png` });
    const result = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of bad) fail(`axe login: ${v.id}: ${v.help}`);
    console.log(`${bad.length ? 'FAIL' : 'ok  '} axe login: ${result.violations.length} violations, ${bad.length} serious or critical`);
    await ctx.close();
  }
}

async function performance() {
  // The budget: five cold loads on emulated Fast 3G with a 4x slower CPU.
  const paint = await measurePaint(browser, stack.url, '/login');
  const line = (ms) => `${Math.round(ms)} ms`;
  console.log(`first contentful paint, ${paint.runs.length} cold loads: ${paint.runs.map((r) => line(r.fcp)).join(', ')}; p75 ${line(paint.fcpP75)} (budget ${budget.fcpP75Ms} ms)`);
  console.log(`largest contentful paint: ${paint.runs.map((r) => line(r.lcp)).join(', ')}; p75 ${line(paint.lcpP75)}`);
  if (!(paint.fcpP75 < budget.fcpP75Ms)) fail(`p75 first contentful paint ${line(paint.fcpP75)} is over ${budget.fcpP75Ms} ms`);
  const sizes = appSizes();
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`JavaScript, gzip: frame ${kib(sizes.frame)}, shared by the apps (React, lib) ${kib(sizes.shared)} (budget ${budget.sharedKiB} KiB)`);
  if (sizes.shared > budget.sharedKiB * 1024) fail(`the apps' shared JavaScript is ${kib(sizes.shared)}, over ${budget.sharedKiB} KiB`);
  // A budget that measures nothing passes everything: every app must be found, with code of its own.
  if (!(sizes.frame > 0)) fail('no frame bundle found in web/dist/_astro');
  for (const app of apps) if (!(sizes.apps[app] > 0)) fail(`no JavaScript of its own found for ${app}`);
  for (const [app, n] of Object.entries(sizes.apps)) {
    console.log(`  ${app}: ${kib(n)} (budget ${budget.appKiB} KiB)`);
    if (n > budget.appKiB * 1024) fail(`${app} ships ${kib(n)} of its own JavaScript, over ${budget.appKiB} KiB`);
  }
}
