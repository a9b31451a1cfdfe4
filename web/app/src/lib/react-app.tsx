// reactApp turns a React component into an app module for the router: it
// mounts with createRoot into the element the router gives it, re-renders
// on navigations inside the app, and unmounts on leaving it.
//
//   // src/apps/leads/index.tsx
//   export const { mount, update, unmount } = reactApp(LeadsApp);
import { StrictMode, type ComponentType } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { AppContext, AppModule } from '../shell/types';

export interface AppProps {
  ctx: AppContext;
}

export function reactApp(Component: ComponentType<AppProps>): Required<AppModule> {
  let root: Root | null = null;
  const render = (ctx: AppContext) =>
    root?.render(
      <StrictMode>
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
