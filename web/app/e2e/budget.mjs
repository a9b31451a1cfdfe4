// The shell's performance budget (seed §7: p75 first meaningful paint
// under 2 s on 3G), measured in a real browser: five cold loads of the
// shell with chromium emulating Lighthouse's Fast 3G (150 ms RTT, 1.6 Mbps
// down, 750 kbps up) and a 4x CPU slowdown. It reports first contentful
// paint (the budget: p75 < 2 s) and largest contentful paint beside it,
// and the JavaScript each micro-app ships (gzip), against a budget per app.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '../../dist');

/** Budgets: first contentful paint, and JavaScript per app (gzip bytes). */
export const budget = {
  fcpP75Ms: 2000,
  // An app's own bundle and the chunks only it loads; React and the
  // shared lib are counted once, apart.
  appKiB: 60,
  sharedKiB: 90,
};

const LOADS = 5;

function p75(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.75) - 1)];
}

/** measurePaint does the cold loads of path and returns FCP and LCP of each. */
export async function measurePaint(browser, url, path = '/login') {
  const runs = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } }); // cold: no cache
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.addInitScript(() => {
      window.__lcp = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__lcp = e.startTime;
      }).observe({ type: 'largest-contentful-paint', buffered: true });
    });
    await page.goto(url + path, { waitUntil: 'load' });
    await page.waitForTimeout(500);
    const paint = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      lcp: window.__lcp,
    }));
    runs.push(paint);
    await context.close();
  }
  return { runs, fcpP75: p75(runs.map((r) => r.fcp)), lcpP75: p75(runs.map((r) => r.lcp)) };
}

/**
 * The static imports of a built module: the chunks it loads with it. (The
 * frame's dynamic import() of each app is what makes the apps bundles of
 * their own, so it is not followed.)
 */
function importsOf(file) {
  const src = readFileSync(join(dist, '_astro', file), 'utf8');
  const out = new Set();
  for (const m of src.matchAll(/(?:import|from)\s*["']\.\/([\w.-]+\.js)["']/g)) out.add(m[1]);
  return [...out];
}

function closure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const dep of importsOf(file)) closure(dep, seen);
  return seen;
}

const gz = (file) => gzipSync(readFileSync(join(dist, '_astro', file)), { level: 9 }).length;

/**
 * appSizes is the JavaScript each app ships, gzip: its own bundle and the
 * chunks only it loads, and the shared chunks (React, lib) apart.
 */
export function appSizes() {
  const files = readdirSync(join(dist, '_astro')).filter((f) => f.endsWith('.js'));
  const apps = files.filter((f) => f.startsWith('app-'));
  const frame = files.find((f) => f.startsWith('frame.'));
  const frameChunks = frame ? closure(frame) : new Set();
  const users = new Map();
  const closures = new Map(apps.map((a) => [a, closure(a)]));
  for (const set of closures.values()) for (const f of set) users.set(f, (users.get(f) ?? 0) + 1);
  const shared = new Set([...users].filter(([f, n]) => n > 1 || frameChunks.has(f)).map(([f]) => f));
  const out = {};
  for (const [app, set] of closures) {
    const own = [...set].filter((f) => !shared.has(f));
    out[app.replace(/^app-/, '').replace(/\.[\w-]+\.js$/, '')] = own.reduce((n, f) => n + gz(f), 0);
  }
  return { apps: out, shared: [...shared].reduce((n, f) => n + gz(f), 0), frame: [...frameChunks].reduce((n, f) => n + gz(f), 0) };
}
