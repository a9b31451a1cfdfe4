// @ts-check
// Builds the shell into ../dist (web/dist), which the Go binary embeds:
// content-hashed files under /_astro/ (served immutable) and index.html.
// `npm run build` (scripts/build.mjs) runs this, then prunes, precompresses
// and checks the first paint's budget.
import react from '@astrojs/react';
import { defineConfig } from 'astro/config';

/** @param {{ name: string, facadeModuleId?: string | null }} chunk */
function chunkName(chunk) {
  // One bundle per micro-app, named after it: _astro/app-leads.[hash].js.
  const app = chunk.facadeModuleId?.match(/\/src\/apps\/([^/]+)\/index\.[jt]sx?$/);
  if (app) return `_astro/app-${app[1]}.[hash].js`;
  return '_astro/[name].[hash].js';
}

/**
 * Readable names for the browser's bundles: frame.[hash].js (the frame's
 * script), app-{id}.[hash].js (each micro-app), react.[hash].js (React,
 * shared by the apps, never loaded by the frame).
 * @type {import('astro').AstroIntegration}
 */
const bundleNames = {
  name: 'xentri-bundle-names',
  hooks: {
    'astro:build:setup': ({ vite, target }) => {
      if (target !== 'client') return;
      const output = vite.build?.rollupOptions?.output;
      if (!output || Array.isArray(output)) throw new Error('xentri-bundle-names: unexpected rollup output config');
      output.entryFileNames = (chunk) => (chunk.name.includes('astro_type_script') ? '_astro/frame.[hash].js' : chunkName(chunk));
      output.chunkFileNames = chunkName;
      output.manualChunks = (id) => {
        if (/\/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
        // What the frame and the apps share (the stores, the API client): a
        // chunk of its own, so that a change to the frame alone does not
        // change every app's bundle (their hashes name what they import).
        if (/\/node_modules\/nanostores\/|\/src\/lib\/(api|auth|live|stores|types)\.ts$|\/src\/apps\/notifications\/unread\.ts$|\/src\/generated\//.test(id)) return 'lib';
        return undefined;
      };
    },
  },
};

/**
 * `npm run dev` (astro dev, http://localhost:4321): the shell with hot
 * reload against the API of a running `make dev`. Like the Go server, it
 * answers the shell's routes (paths without an extension) with the page.
 * @type {import('vite').Plugin}
 */
const devFallback = {
  name: 'xentri-dev-fallback',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const internal = /^\/(@|_astro|src|node_modules|api|__)/.test(path);
      if (req.method === 'GET' && !internal && path !== '/' && !/\.[^/]+$/.test(path)) req.url = '/';
      next();
    });
  },
};

export default defineConfig({
  output: 'static',
  outDir: '../dist',
  integrations: [react(), bundleNames],
  devToolbar: { enabled: false },
  build: {
    // CSS as a hashed file, not inline: the page's Content-Security-Policy
    // allows scripts and styles from 'self' only.
    inlineStylesheets: 'never',
  },
  vite: {
    plugins: [devFallback],
    // Cookie-authenticated mutations must come from an allowed origin: run
    // the API with XENTRI_ALLOWED_ORIGINS=http://localhost:4321.
    server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
    build: {
      // Never inline an asset as a data: URL or a script into the page.
      assetsInlineLimit: 0,
      // Every browser the shell supports has modulepreload.
      modulePreload: { polyfill: false },
    },
  },
});
