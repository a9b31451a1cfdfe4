// The Site app rendered with a fake fetch: the empty state, the editor's
// save (a 400's fields next to their inputs, a 412), and the publish
// progress polled to live.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../shell/types';
import * as app from './index';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Handler = (req: { method: string; path: string; body: unknown; headers: Headers }) => Response | undefined;

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const ok = (data: unknown, status = 200) => json(status, { data, error: null, meta: {} });
const problem = (status: number, detail: string, errors?: Record<string, string>) =>
  json(status, { type: 'about:blank', title: 'Problem', status, detail, trace_id: 't', ...(errors ? { errors } : {}) }, 'application/problem+json');

const SITE = {
  id: 's1',
  org_id: 'o1',
  name: "Rosa's Bakery",
  slug: 'rosas-bakery',
  custom_domains: [],
  theme: { colors: { primary: '#1d3557', accent: '#457b9d', background: '#ffffff', text: '#1b1b1b' }, fonts: { heading: 'Inter', body: 'Inter' } },
  navigation: [],
  seo: {},
  version: 1,
  live_release_id: null,
  created_at: '2026-12-04T10:00:00Z',
  updated_at: '2026-12-04T10:00:00Z',
};
const PAGE = {
  id: 'p1',
  site_id: 's1',
  path: '/',
  version: 3,
  title: 'Home',
  seo: {},
  blocks: [
    { type: 'hero', data: { headline: 'Fresh bread' } },
    { type: 'features', data: { items: [{ title: 'Sourdough' }] } },
  ],
  author: 'user:u1',
  created_at: '2026-12-04T10:00:00Z',
  updated_at: '2026-12-04T10:00:00Z',
};
const release = (status: string, number = 1) => ({
  id: 'r1',
  site_id: 's1',
  number,
  status,
  live: status === 'live',
  trigger: 'publish',
  author: 'user:u1',
  pages: [],
  changes: [{ page_id: 'p1', path: '/', change: 'added' }],
  media: [],
  files: 0,
  bytes: 0,
  base_release_id: null,
  workflow_id: 'site-publish/s1',
  run_id: 'run',
  failure: null,
  attempts: 1,
  created_at: '2026-12-04T10:00:00Z',
  rendered_at: null,
  uploaded_at: null,
  activated_at: null,
  updated_at: '2026-12-04T10:00:00Z',
});

let handlers: Handler[] = [];
let calls: { method: string; path: string; body: unknown; headers: Headers }[] = [];

/** The fake API: the first handler that answers wins; the common reads of a site come last. */
function serve(...extra: Handler[]) {
  handlers = [
    ...extra,
    ({ method, path }) => {
      if (method === 'GET' && path === '/api/v1/sites/s1') return ok(SITE);
      if (method === 'GET' && path === '/api/v1/orgs/o1/members') return ok([{ user_id: 'u1', email: 'rosa@example.com', role: 'owner', joined_at: '' }]);
      if (method === 'GET' && path.startsWith('/api/v1/sites/s1/releases?')) return ok([]);
      if (method === 'GET' && path.startsWith('/api/v1/sites/s1/schedules')) return ok([]);
      if (method === 'POST' && path === '/api/v1/sites/s1/preview') return ok({ url: '/preview/tok/', expires_at: '2099-01-01T00:00:00Z' });
      if (method === 'GET' && path.startsWith('/api/v1/sites/s1/pages')) return ok([PAGE]);
      if (method === 'GET' && path === '/api/v1/pages/p1') return ok(PAGE);
      if (method === 'GET' && path.startsWith('/preview/tok/')) {
        return new Response('<!doctype html><html><head><link rel="canonical" href="http://rosas-bakery.sites.localhost:8080/"></head><body><h1>Fresh bread</h1></body></html>', {
          status: 200,
          headers: { 'Content-Type': 'text/html' },
        });
      }
      return undefined;
    },
  ];
}

beforeEach(() => {
  calls = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://127.0.0.1:8080/');
    const method = (init.method ?? 'GET').toUpperCase();
    const req = { method, path: url.pathname + url.search, body: init.body ? JSON.parse(String(init.body)) : undefined, headers: new Headers(init.headers) };
    calls.push(req);
    for (const h of handlers) {
      const res = h(req);
      if (res) return res;
    }
    return problem(404, `no fake for ${method} ${req.path}`);
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const ctx = (path: string): AppContext => ({
  app: 'site',
  base: '/site',
  path,
  search: new URLSearchParams(),
  orgId: 'o1',
  navigate: vi.fn(),
  signal: new AbortController().signal,
});

async function settle(times = 8) {
  for (let i = 0; i < times; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

async function render(path: string) {
  const el = document.createElement('div');
  document.body.append(el);
  const c = ctx(path);
  await act(async () => app.mount(el, c));
  await settle();
  return { el, ctx: c };
}

const byText = (root: ParentNode, selector: string, text: string | RegExp) =>
  [...root.querySelectorAll<HTMLElement>(selector)].find((e) => (typeof text === 'string' ? e.textContent?.trim() === text : text.test(e.textContent ?? '')));

function click(el: Element | null | undefined) {
  if (!el) throw new Error('nothing to click');
  (el as HTMLElement).click();
}

/** Types into a React-controlled input. */
function type(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

const inputLabelled = (root: ParentNode, label: string) => {
  const l = byText(root, 'label', label) as HTMLLabelElement | undefined;
  const input = l && (document.getElementById(l.htmlFor) as HTMLInputElement | null);
  if (!input) throw new Error(`no input labelled ${label}`);
  return input;
};

describe('the Site app', () => {
  it('offers to draft the site from the Brief, and sends to the co-pilot when there is none', async () => {
    serve(({ method, path }) => {
      if (method === 'GET' && path.startsWith('/api/v1/sites?')) return ok([]);
      if (method === 'POST' && path === '/api/v1/sites') return problem(422, 'This organisation has no Universal Brief yet.');
      return undefined;
    });
    const { el } = await render('');
    expect(el.querySelector('h2')?.textContent).toBe('Your website starts here');
    await act(async () => click(byText(el, 'button', 'Create my site from my Brief')));
    await settle();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ from_brief: true });
    expect(el.textContent).toContain("You don't have a Brief yet.");
    expect(byText(el, 'a', 'Talk to the co-pilot')?.getAttribute('href')).toBe('/co-pilot');
    await act(async () => app.unmount());
  });

  it('shows the 400’s blocks[1].data.items.0.title at that input, and sends If-Match', async () => {
    serve(({ method, path }) =>
      method === 'PUT' && path === '/api/v1/pages/p1'
        ? problem(400, 'Some blocks of the page are not valid.', {
            'blocks[0].data.headline': 'maxLength: got 250, want 200',
            'blocks[1].data.items.0': "missing property 'title'",
          })
        : undefined,
    );
    const { el } = await render('/s1/pages/p1');
    expect(el.querySelector('.st-editor__title h3')?.textContent).toBe('Home');
    expect(el.querySelector('iframe')?.getAttribute('srcdoc')).toContain('<base href="http://127.0.0.1:8080/preview/tok/" target="_blank">');

    // Two blocks: open them, change the headline, save.
    for (const t of el.querySelectorAll<HTMLButtonElement>('.st-block__toggle')) await act(async () => t.click());
    const headline = inputLabelled(el, 'Headline');
    await act(async () => type(headline, 'Fresh bread, baked at dawn'));
    await act(async () => click(byText(el, 'button', 'Save')));
    await settle();

    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.headers.get('If-Match')).toBe('"v3"');
    expect(put?.body).toMatchObject({ title: 'Home', blocks: [{ type: 'hero', data: { headline: 'Fresh bread, baked at dawn' } }, { type: 'features' }] });

    expect(headline.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(headline.getAttribute('aria-describedby')!.split(' ').pop()!)?.textContent).toBe('Headline must be at most 200 characters.');
    const title = inputLabelled(el, 'Title');
    const features = el.querySelectorAll('.st-block')[1]!;
    const itemTitle = [...features.querySelectorAll<HTMLInputElement>('input')].find((i) => i.id.endsWith('-items-0-title'))!;
    expect(itemTitle.getAttribute('aria-invalid')).toBe('true');
    expect(itemTitle.closest('.field')?.querySelector('.field-error')?.textContent).toBe('Title is required.');
    expect(title.getAttribute('aria-invalid')).toBeNull();
    expect(el.querySelector('.st-error-summary')?.textContent).toContain('2 fields need your attention');

    // Moving the blocks keeps each error with its block.
    await act(async () => click(el.querySelector('[aria-label="Move Features block up"]')));
    expect(el.querySelectorAll('.st-block')[0]!.querySelector('[aria-invalid="true"]')?.id).toMatch(/-items-0-title$/);
    await act(async () => app.unmount());
  });

  it('tells of a 412 and offers the latest version', async () => {
    serve(({ method, path }) => (method === 'PUT' && path === '/api/v1/pages/p1' ? problem(412, 'The page changed since you read it.') : undefined));
    const { el } = await render('/s1/pages/p1');
    await act(async () => type(inputLabelled(el, 'Title'), 'Welcome'));
    await act(async () => click(byText(el, 'button', 'Save')));
    await settle();
    expect(el.textContent).toContain('This page was changed somewhere else');
    const reads = () => calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/pages/p1').length;
    const before = reads();
    await act(async () => click(byText(el, 'button', 'Load the latest version')));
    await settle();
    expect(reads()).toBe(before + 1);
    expect(inputLabelled(el, 'Title').value).toBe('Home');
    expect(el.textContent).not.toContain('This page was changed somewhere else');
    await act(async () => app.unmount());
  });

  it('publishes, polls the release through its steps, and links to the live site', async () => {
    let polls = 0;
    const steps = ['404', 'snapshot', 'rendered', 'uploaded', 'live'];
    serve(({ method, path }) => {
      if (method === 'POST' && path === '/api/v1/sites/s1/publish') {
        return ok({ workflow_id: 'w', run_id: 'r', release_id: 'r1', queued: false, status_url: '/api/v1/sites/s1/releases/r1' }, 202);
      }
      if (method === 'GET' && path === '/api/v1/sites/s1/releases/r1') {
        const s = steps[Math.min(polls++, steps.length - 1)]!;
        return s === '404' ? problem(404, 'not yet') : ok(release(s));
      }
      return undefined;
    });
    const { el } = await render('/s1');
    expect(byText(el, 'h3', 'Pages')).toBeDefined();
    expect(el.querySelector('.st-page-row__title')?.textContent).toBe('Home');

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await act(async () => click(byText(el, 'button', 'Publish')));
    await act(async () => vi.advanceTimersByTimeAsync(0));
    const live = el.querySelector('[role="status"].st-publish-live')!;
    expect(live.textContent).toContain('Starting the publish…');
    const marks = () => [...live.querySelectorAll('.st-step')].map((s) => s.className.replace('st-step st-step--', ''));
    expect(marks()).toEqual(['current', 'todo', 'todo', 'todo']);
    await act(async () => vi.advanceTimersByTimeAsync(800)); // 404: still waiting
    expect(marks()).toEqual(['current', 'todo', 'todo', 'todo']);
    await act(async () => vi.advanceTimersByTimeAsync(800));
    expect(marks()).toEqual(['done', 'current', 'todo', 'todo']);
    await act(async () => vi.advanceTimersByTimeAsync(800));
    await act(async () => vi.advanceTimersByTimeAsync(800));
    expect(marks()).toEqual(['done', 'done', 'done', 'current']);
    await act(async () => vi.advanceTimersByTimeAsync(800));
    expect(marks()).toEqual(['done', 'done', 'done', 'done']);
    expect(live.textContent).toContain('Release #1 is live.');
    expect(byText(live, 'a', /View the live site/)?.getAttribute('href')).toBe('/sites/s1/');
    // No more polling once live.
    const n = polls;
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(polls).toBe(n);
    await act(async () => app.unmount());
  });

  it('says an unknown address is nothing', async () => {
    serve();
    const { el } = await render('/s1/nowhere');
    expect(el.textContent).toContain('There is nothing at this address.');
    await act(async () => app.unmount());
  });
});
