import { act } from 'react';
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../shell/types';
import { apps, homeApp } from './registry';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const ctx = (app: string): AppContext => ({
  app,
  base: `/${app}`,
  path: '',
  search: new URLSearchParams(),
  orgId: 'org-1',
  navigate: () => {},
  signal: new AbortController().signal,
});

describe('the apps', () => {
  it('are the seven of the seed, with the home app among them', () => {
    expect(apps.map((a) => a.id)).toEqual(['co-pilot', 'brief', 'site', 'leads', 'notifications', 'runs', 'settings']);
    expect(apps.some((a) => a.id === homeApp)).toBe(true);
  });

  it.each(apps.map((a) => [a.id, a] as const))('%s mounts with createRoot, updates and unmounts', async (id, app) => {
    const mod = await app.load();
    const el = document.createElement('div');
    document.body.append(el);
    await act(async () => mod.mount(el, ctx(id)));
    expect(el.firstElementChild).not.toBeNull(); // a placeholder, or the app itself
    expect(el.querySelector('[role="status"]')).not.toBeNull(); // its skeleton
    await act(async () => mod.update?.({ ...ctx(id), path: '/x' }));
    await act(async () => mod.unmount());
    expect(el.innerHTML).toBe('');
    el.remove();
  });
});
