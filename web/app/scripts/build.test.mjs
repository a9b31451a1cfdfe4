import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'fflate';
import { firstPaint, gzip, reachable, shellStylesheets, staticImports } from './build.mjs';

describe('build helpers', () => {
  it('staticImports finds static imports and re-exports, not dynamic import()', () => {
    const code = 'import{a as b}from"./ui.1.js";import"./react.2.js";export{c}from"./x.3.js";const l=()=>import("./app-leads.4.js");';
    expect(staticImports(code).sort()).toEqual(['./react.2.js', './ui.1.js', './x.3.js']);
  });

  it('firstPaint follows the page scripts through their static imports only', () => {
    const files = {
      '_astro/frame.1.js': 'import{a}from"./shared.2.js";const x=()=>import("./app-leads.3.js");',
      '_astro/shared.2.js': 'export const a=1;',
      '_astro/app-leads.3.js': 'import"./react.4.js";',
    };
    const html = '<script type="module" src="/_astro/frame.1.js"></script>';
    expect(firstPaint(html, (f) => files[f])).toEqual(['_astro/frame.1.js', '_astro/shared.2.js']);
  });

  it('reachable keeps what the page can load and drops the rest', () => {
    const files = {
      'dist/index.html': '<script src="/_astro/frame.1.js"></script>',
      'dist/_astro/frame.1.js': 'import("./app-leads.3.js")',
      'dist/_astro/app-leads.3.js': '',
      'dist/_astro/client.9.js': '',
      'dist/favicon.svg': '<svg/>',
    };
    const kept = reachable(Object.keys(files), (f) => files[f], new Set(['dist/favicon.svg']));
    expect([...kept].sort()).toEqual(['dist/_astro/app-leads.3.js', 'dist/_astro/frame.1.js', 'dist/favicon.svg', 'dist/index.html']);
  });

  it('gzip is deterministic and carries no timestamp', () => {
    const data = new TextEncoder().encode('hello '.repeat(200));
    const a = gzip(data);
    expect(gzip(data)).toEqual(a);
    expect([...a.slice(4, 8)]).toEqual([0, 0, 0, 0]); // MTIME
    expect(new TextDecoder().decode(gunzipSync(a))).toBe('hello '.repeat(200));
  });
  it("shellStylesheets makes the page's stylesheets the group React puts app stylesheets after", () => {
    const html = '<head><link rel="stylesheet" href="/_astro/index.1.css"><link rel="stylesheet" data-precedence="x" href="/b.css"></head>';
    expect(shellStylesheets(html)).toBe(
      '<head><link rel="stylesheet" data-precedence="shell" href="/_astro/index.1.css"><link rel="stylesheet" data-precedence="x" href="/b.css"></head>',
    );
  });
});
