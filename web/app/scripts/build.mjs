// `npm run build` (`make web`): builds the shell into web/dist, the
// directory the Go binary embeds, and commits nothing by itself.
//
//  1. astro build into a clean web/dist;
//  2. prune: drop what no page can load (Astro's own server leftovers, the
//     React renderer entry of @astrojs/react, which the router does not use);
//  3. precompress: a .gz beside each text file worth it (fflate, pure
//     JavaScript, so the bytes are the same on every machine);
//  4. check the first paint: the page's scripts and what they import
//     statically (preloaded: <link rel=modulepreload>) must not contain
//     React and must fit the budget; print their size.
//
// The output is deterministic: `make verify` rebuilds it and fails on any
// difference from what is committed.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const dist = resolve(root, '../dist');

/** The first paint's JavaScript budget, gzipped (bytes). */
export const FIRST_PAINT_BUDGET = 12 * 1024;
const TEXT = /\.(html|js|mjs|css|svg|json|txt|xml|map|webmanifest)$/;
const MIN_GZIP = 512;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}
const rel = (f) => relative(dist, f).split(sep).join(posix.sep);

/** gzip with fixed settings and no timestamp or name in the header. */
export function gzip(data) {
  return gzipSync(data, { level: 9, mem: 8, mtime: 0 });
}

/**
 * reachable returns the files a browser can reach from the pages and the
 * public files: any file whose name appears in a reachable text file.
 */
export function reachable(all, read, publicFiles) {
  const seen = new Set(all.filter((f) => f.endsWith('.html') || publicFiles.has(f)));
  const queue = [...seen];
  while (queue.length) {
    const f = queue.pop();
    if (!TEXT.test(f)) continue;
    const text = read(f);
    for (const g of all) {
      if (!seen.has(g) && text.includes(posix.basename(g))) {
        seen.add(g);
        queue.push(g);
      }
    }
  }
  return seen;
}

/** staticImports lists the relative modules a chunk imports statically. */
export function staticImports(code) {
  const out = new Set();
  for (const m of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["'](\.\.?\/[^"']+)["']/g)) out.add(m[1]);
  return [...out];
}

/** firstPaint lists the scripts a page runs on load: its module scripts and their static imports. */
export function firstPaint(html, read) {
  const start = [...html.matchAll(/<script\b[^>]*\bsrc="\/([^"]+)"/g)].map((m) => m[1]);
  const seen = new Set(start);
  const queue = [...start];
  while (queue.length) {
    const f = queue.pop();
    for (const imp of staticImports(read(f))) {
      const g = posix.join(posix.dirname(f), imp);
      if (!seen.has(g)) {
        seen.add(g);
        queue.push(g);
      }
    }
  }
  return [...seen].sort();
}

/**
 * shellStylesheets marks the page's own stylesheets as React's first
 * precedence group. React 19 puts an app's <link precedence="app"> after
 * the last stylesheet it knows by data-precedence, or else first in <head>:
 * before the shell's, where the shell's rules (.card, .button) would win
 * over the app's at equal specificity.
 */
export function shellStylesheets(html) {
  return html.replace(/<link rel="stylesheet"(?![^>]*data-precedence)/g, '<link rel="stylesheet" data-precedence="shell"');
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  const { build } = await import('astro');
  await build({ root, logLevel: 'warn' });

  // Prune.
  const publicFiles = new Set(files(join(root, 'public')).map((f) => join(dist, relative(join(root, 'public'), f))));
  const all = files(dist);
  const keep = reachable(all, (f) => readFileSync(f, 'utf8'), publicFiles);
  for (const f of all) {
    if (!keep.has(f)) {
      rmSync(f);
      console.log(`pruned   ${rel(f)} (nothing loads it)`);
    }
  }
  for (const d of readdirSync(dist, { withFileTypes: true })) {
    if (d.isDirectory() && files(join(dist, d.name)).length === 0) rmSync(join(dist, d.name), { recursive: true });
  }

  // The page must work under the Content-Security-Policy web.go sends.
  let html = readFileSync(join(dist, 'index.html'), 'utf8');
  for (const m of html.matchAll(/<script\b([^>]*)>/g)) {
    if (!/\bsrc=/.test(m[1])) throw new Error('index.html has an inline <script>: the CSP (script-src self) would block it');
  }
  if (/<style\b/.test(html)) throw new Error('index.html has an inline <style>; keep the CSS in files');

  // First paint. The modules the page's script imports statically (the
  // chunk it shares with the apps) are preloaded with it, not after it.
  const read = (f) => readFileSync(join(dist, f), 'utf8');
  const scripts = firstPaint(html, read);
  const preloads = scripts.filter((f) => !html.includes(`src="/${f}"`)).map((f) => `<link rel="modulepreload" href="/${f}">`);
  if (preloads.length) {
    if (!html.includes('</head>')) throw new Error('index.html has no </head>');
    html = html.replace('</head>', `${preloads.join('')}</head>`);
  }
  html = shellStylesheets(html);
  writeFileSync(join(dist, 'index.html'), html);
  let raw = 0;
  let gz = 0;
  for (const f of scripts) {
    const code = read(f);
    if (/react-dom|__SECRET_INTERNALS|react\.transitional\.element/.test(code)) {
      throw new Error(`${f} is loaded on first paint and contains React: the frame must paint without it`);
    }
    raw += Buffer.byteLength(code);
    gz += gzip(Buffer.from(code)).length;
  }
  console.log(`first paint: ${scripts.join(', ')}: ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped (budget ${FIRST_PAINT_BUDGET / 1024} KiB)`);
  if (gz > FIRST_PAINT_BUDGET) throw new Error(`the first paint's JavaScript is over its budget`);

  // Precompress.
  for (const f of files(dist)) {
    if (!TEXT.test(f)) continue;
    const data = readFileSync(f);
    if (data.length < MIN_GZIP) continue;
    const z = gzip(data);
    if (z.length < data.length * 0.9) writeFileSync(`${f}.gz`, z);
  }

  let total = 0;
  for (const f of files(dist)) total += statSync(f).size;
  console.log(`built web/dist: ${files(dist).length} files, ${(total / 1024).toFixed(0)} KiB`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
