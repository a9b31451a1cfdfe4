// reactApp turns a React component into an app module for the router: it
// mounts with createRoot into the element the router gives it, re-renders
// on navigations inside the app, and unmounts on leaving it.
//
//   // src/apps/leads/index.tsx
//   import stylesheet from './leads.css?url';
//   export const { mount, update, unmount } = reactApp(LeadsApp, { stylesheet });
//
// An app's stylesheet is a file of its own: a plain CSS import would be
// hoisted by Astro into the page's first-paint stylesheet. Given as
// `stylesheet`, it is fetched as soon as the bundle loads (the sidebar's
// hover prefetch) and put in <head> by React 19 (<link precedence>), which
// holds the first render until it has loaded.
import { StrictMode, type ComponentType } from 'react';
import { preinit } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import type { AppContext, AppModule } from '../shell/types';

export interface AppProps {
  ctx: AppContext;
}

export function reactApp(Component: ComponentType<AppProps>, options: { stylesheet?: string } = {}): Required<AppModule> {
  const { stylesheet } = options;
  if (stylesheet) preinit(stylesheet, { as: 'style', precedence: 'app' });
  let root: Root | null = null;
  const render = (ctx: AppContext) =>
    root?.render(
      <StrictMode>
        {stylesheet && <link rel="stylesheet" href={stylesheet} precedence="app" />}
        <Component ctx={ctx} />
      </StrictMode>,
    );
  return {
    mount(el, ctx) {
      root = createRoot(el);
      render(ctx);
    },
    update(ctx) {
      render(ctx);
    },
    unmount() {
      root?.unmount();
      root = null;
    },
  };
}
