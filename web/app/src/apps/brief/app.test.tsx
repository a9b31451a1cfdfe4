// The Brief app, rendered against a fake fetch that answers as the API does.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $toasts } from '../../lib/stores';
import type { AppContext } from '../../shell/types';
import schema from '../../../../../contracts/brief.schema.json';
import * as app from './index';
import { route } from './index';
import { fakeApi as stubApi, ok, problem, type Call } from '../../lib/fake-api';

/** A list of handlers is answered in order, its last one repeating. */
const fakeApi = (routes: Parameters<typeof stubApi>[0]) => stubApi(routes, { repeatLast: true });

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const now = new Date().toISOString();
const f = (value: unknown, quote?: string, over: Record<string, unknown> = {}) => ({
  value,
  confidence: 0.75,
  origin: 'extracted',
  sources: quote ? [{ message_id: 'm1', start: 0, end: quote.length, quote }] : [],
  updated_at: now,
  ...over,
});
const brief = (version: number, identity: Record<string, unknown>) => ({
  id: 'b1',
  org_id: 'o1',
  version,
  author: { type: 'copilot', id: 's1' },
  summary: 'Made from the co-pilot session.',
  created_at: now,
  updated_at: now,
  data: {
    sections: {
      identity: { fields: identity },
      offerings: { fields: { products: f(['sourdough bread', 'croissants'], 'sourdough bread') } },
    },
    missing: [{ section: 'identity', field: 'location', question: 'Where is your business based?' }],
  },
});
const v1 = brief(1, { business_name: f('Café Rosé', 'Café Rosé'), industry: f('bakery', 'bakery', { confidence: 0.4 }) });

const contexts = {
  'GET /api/v1/brief/contexts/brand_voice': () => ok({ category: 'brand_voice', version: 1, data: { tone: ['warm', 'friendly'], use: ['you'], avoid: ['jargon'], reading_level: 'plain, grade 6' } }),
  'GET /api/v1/brief/contexts/sales_pipeline': () =>
    ok({ category: 'sales_pipeline', version: 1, data: { stages: [{ id: 'new', name: 'New' }, { id: 'won', name: 'Won' }], follow_up_cadence_days: [1, 3, 7] } }),
  'GET /api/v1/brief/contexts/website': () =>
    ok({ category: 'website', version: 1, data: { pages: [{ slug: 'home', title: 'Home', purpose: 'Say who you are.', draws_on: ['identity.business_name'] }] } }),
};

let el: HTMLElement;
let abort: AbortController;
let navigated: string[];
const ctx = (path = '', search = ''): AppContext => ({
  app: 'brief',
  base: '/brief',
  path,
  search: new URLSearchParams(search),
  orgId: 'o1',
  navigate: (to) => void navigated.push(to),
  signal: abort.signal,
});

async function waitFor<T>(fn: () => T | null | undefined | false, timeout = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    let v: T | null | undefined | false;
    let err: unknown;
    try {
      v = fn();
    } catch (e) {
      err = e;
    }
    if (v) return v;
    if (Date.now() - start > timeout) throw err ?? new Error('waitFor timed out');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
  }
}

const $ = <E extends Element = HTMLElement>(sel: string, root: ParentNode = el) => root.querySelector<E>(sel);
const $$ = (sel: string, root: ParentNode = el) => [...root.querySelectorAll<HTMLElement>(sel)];
const byText = (sel: string, t: string | RegExp, root: ParentNode = el) =>
  $$(sel, root).find((n) => (typeof t === 'string' ? n.textContent?.includes(t) : t.test(n.textContent ?? '')));
const click = (target: Element) => act(async () => void (target as HTMLElement).click());
function typeInto(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

beforeEach(() => {
  abort = new AbortController();
  navigated = [];
  el = document.createElement('div');
  document.body.append(el);
  $toasts.set([]);
});
afterEach(async () => {
  vi.useRealTimers();
  abort.abort();
  await act(async () => app.unmount());
  el.remove();
  vi.unstubAllGlobals();
});

const mount = (path = '', search = '') => act(async () => app.mount(el, ctx(path, search)));

describe('the brief app', () => {
  it('routes from ctx.path', () => {
    expect(route('')).toEqual({ view: 'overview' });
    expect(route('/')).toEqual({ view: 'overview' });
    expect(route('/versions')).toEqual({ view: 'versions' });
    expect(route('/versions/12')).toEqual({ view: 'version', n: 12 });
    expect(route('/versions/0')).toEqual({ view: 'unknown' });
    expect(route('/proposals/')).toEqual({ view: 'proposals' });
    expect(route('/nope')).toEqual({ view: 'unknown' });
  });

  it('points to the co-pilot when there is no Brief yet (404)', async () => {
    fakeApi({
      'GET /api/v1/brief': () => problem(404, 'No Brief yet: start a Strategy Co-pilot session.'),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok([]),
    });
    await mount();
    const empty = await waitFor(() => $('.bf-empty'));
    expect(empty.querySelector('h2')!.textContent).toBe('Your Brief starts with a conversation');
    expect(byText('a', 'Talk to the co-pilot', empty)!.getAttribute('href')).toBe('/co-pilot');
    expect($('[role="alert"]')).toBeNull();
  });

  it('shows each section’s values with confidence and origin, the quote on focus, and the category contexts', async () => {
    fakeApi({
      'GET /api/v1/brief': () => ok(v1),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok([{ id: 'p1', section: 'identity', status: 'pending', fields: {} }]),
      ...contexts,
    });
    await mount();
    await waitFor(() => $('.bf-section'));
    expect($$('.bf-section h2').map((h) => h.textContent)).toEqual(['Identity', 'Offerings', 'Audience', 'Goals', 'Brand voice', 'What sets you apart', 'Sales', 'Contact']);
    const identity = $('.bf-section')!;
    const name = byText('.bf-field', 'Business name', identity)!;
    expect($('.bf-value', name)!.textContent).toBe('Café Rosé');
    expect($('.bf-meta', name)!.textContent).toContain('75% sure');
    expect($('.bf-meta', name)!.textContent).toContain('From your words');
    expect($('.bf-conf--low', byText('.bf-field', 'Industry', identity)!)).not.toBeNull();
    expect(byText('.bf-field--missing', 'Location', identity)!.textContent).toContain('Where is your business based?');
    expect($$('.bf-chip', byText('.bf-section', 'Offerings')!).map((c) => c.textContent)).toEqual(['sourdough bread', 'croissants']);

    // The quote: a tooltip the value describes itself by, shown on focus, hidden on Escape.
    const value = $<HTMLElement>('.bf-value--sourced', name)!;
    const tip = document.getElementById(value.getAttribute('aria-describedby')!)!;
    expect(tip.getAttribute('role')).toBe('tooltip');
    expect(tip.hidden).toBe(true);
    expect(value.tabIndex).toBe(0);
    await act(async () => value.focus());
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain('Café Rosé');
    expect(tip.textContent).toContain('In your words');
    await act(async () => void value.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(tip.hidden).toBe(true);

    expect(byText('.bf-banner', 'One proposed change')).toBeTruthy();
    expect(byText('.bf-tabs a', 'Proposals')!.textContent).toContain('1');

    await waitFor(() => $('.bf-pages'));
    const voice = byText('.bf-context', 'Brand voice')!;
    expect($$('.bf-chip', voice).map((c) => c.textContent)).toEqual(['warm', 'friendly', 'you', 'jargon']);
    expect($('.bf-chip--avoid', voice)!.textContent).toBe('jargon');
    const pipeline = byText('.bf-context', 'Sales pipeline')!;
    expect($$('.bf-stages li', pipeline).map((c) => c.textContent)).toEqual(['New', 'Won']);
    expect(pipeline.textContent).toContain('Day 1, 3 and 7 after a lead arrives');
    expect(byText('.bf-context', 'Website')!.textContent).toContain('Uses business name');
  });

  it('edits a field; on a 412 says the Brief changed, reloads it and keeps the owner’s change', async () => {
    const v2 = brief(2, { business_name: f('Café Rosé', 'Café Rosé'), industry: f('café', 'café') });
    const v3 = brief(3, { business_name: f('Rosé & Co', undefined, { origin: 'user', confidence: 1 }), industry: f('café', 'café') });
    let served = v1; // what GET /brief answers (the co-pilot makes v2 while the owner edits)
    const calls = fakeApi({
      'GET /api/v1/brief': () => ok(served),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok([]),
      'PUT /api/v1/brief/sections/identity': [
        () => {
          served = v2;
          return new Response(JSON.stringify({ type: 'about:blank', title: 'Precondition Failed', status: 412, detail: 'The Brief changed.', trace_id: 't' }), {
            status: 412,
            headers: { 'Content-Type': 'application/problem+json' },
          });
        },
        () => ok((served = v3)),
      ],
      ...contexts,
    });
    await mount();
    const edit = await waitFor(() => $<HTMLButtonElement>('button[aria-label="Edit Identity"]'));
    await click(edit);
    const form = $('form.bf-editor')!;
    const input = (label: string) => {
      const l = byText('label', label, form) as HTMLLabelElement;
      return document.getElementById(l.htmlFor) as HTMLInputElement;
    };
    expect(document.activeElement).toBe(input('Business name'));
    expect(input('Industry').value).toBe('bakery');
    await act(async () => typeInto(input('Business name'), 'Rosé & Co'));
    await click(byText('button', 'Save', form)!);

    // The 412: said, the Brief reloaded (v2), the owner's change kept, the others updated.
    const notice = await waitFor(() => byText('[role="alert"]', 'is now at version 2', form));
    expect(notice.textContent).toContain('Your changes are kept');
    expect(input('Business name').value).toBe('Rosé & Co');
    expect(input('Industry').value).toBe('café');
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts[0]!.headers['If-Match']).toBe('"v1"');
    expect(puts[0]!.body).toEqual({ fields: { business_name: 'Rosé & Co' } });

    await click(byText('button', 'Save', form)!);
    await waitFor(() => !$('form.bf-editor'));
    const puts2 = calls.filter((c) => c.method === 'PUT');
    expect(puts2).toHaveLength(2);
    expect(puts2[1]!.headers['If-Match']).toBe('"v2"');
    expect(puts2[1]!.body).toEqual({ fields: { business_name: 'Rosé & Co' } });
    expect($('.bf-value', byText('.bf-field', 'Business name')!)!.textContent).toBe('Rosé & Co');
    expect(byText('.bf-field', 'Business name')!.textContent).toContain('Set by you');
    expect($toasts.get().map((t) => t.message)).toContain('Identity saved: version 3.');
    expect(document.activeElement).toBe($('button[aria-label="Edit Identity"]'));
  });

  it('shows a version’s changes as a diff and restores it after confirming', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief': () => ok(brief(3, { business_name: f('Rosé & Co') })),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok([]),
      'GET /api/v1/brief/versions/2': () => ok({ number: 2, summary: 'Changed the products.', author: { type: 'copilot', id: 's1' }, created_at: now }),
      'GET /api/v1/brief/versions/2/diff': () =>
        ok({
          from: 1,
          to: 2,
          changes: [
            { section: 'identity', field: 'business_name', op: 'changed', from: 'Rosa', to: 'Café Rosé' },
            { section: 'offerings', field: 'products', op: 'changed', from: ['bread', 'croissants'], to: ['bread', 'cakes'] },
          ],
        }),
      'POST /api/v1/brief/versions/2/restore': () => ok(brief(4, { business_name: f('Café Rosé') })),
    });
    await mount('/versions/2');
    await waitFor(() => $('.bf-change'));
    expect($('.bf-detail h2')!.textContent).toContain('Version 2');
    expect($('.bf-diff__summary')!.textContent).toBe('2 fields changed in 2 sections.');
    const name = byText('.bf-change', 'Business name')!;
    expect($('del', name)!.textContent).toBe('Before: Rosa');
    expect($('ins', name)!.textContent).toBe('After: Café Rosé');
    const products = byText('.bf-change', 'Products')!;
    expect($$('.bf-item', products).map((i) => [i.className.replace('bf-item bf-item--', ''), i.firstChild!.textContent])).toEqual([
      ['kept', 'bread'],
      ['added', 'cakes'],
      ['removed', 'croissants'],
    ]);
    expect(calls.find((c) => c.url.includes('/diff'))!.url).toBe('/api/v1/brief/versions/2/diff?from=1');

    await click(byText('button', 'Restore this version')!);
    const dialog = $('[role="alertdialog"]')!;
    expect(dialog.textContent).toContain('This makes version 4 with what version 2 held.');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await click(byText('button', 'Restore version 2', dialog)!);
    await waitFor(() => navigated.length > 0);
    expect(navigated).toEqual(['/brief']);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/v1/brief/versions/2/restore']);
    expect($toasts.get().map((t) => t.message)).toContain('Version 2 restored as version 4.');
  });

  it('lists the versions with the current one marked', async () => {
    fakeApi({
      'GET /api/v1/brief': () => ok(brief(2, {})),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok([]),
      'GET /api/v1/brief/versions': () =>
        ok([
          { number: 2, summary: 'Restored version 1.', author: { type: 'user', id: 'u9' }, restored_from: 1, created_at: now, changes: [{}] },
          {
            number: 1,
            summary: 'Generated from co-pilot session s1. identity.business_name added, identity.industry added.',
            author: { type: 'copilot', id: 's1' },
            created_at: now,
            changes: [
              { section: 'identity', field: 'business_name', op: 'added', to: 'Café Rosé' },
              { section: 'identity', field: 'industry', op: 'added', to: 'bakery' },
            ],
          },
        ]),
    });
    await mount('/versions');
    await waitFor(() => $('.bf-version'));
    const rows = $$('.bf-version');
    expect(rows.map((r) => r.getAttribute('href'))).toEqual(['/brief/versions/2', '/brief/versions/1']);
    expect(rows[0]!.textContent).toContain('Current');
    expect(rows[0]!.textContent).toContain('Restored version 1');
    expect(rows[1]!.querySelector('.bf-version__summary')!.textContent).toBe('Added business name and industry.');
    expect(rows[0]!.textContent).toContain('By a teammate');
    expect(rows[1]!.textContent).toContain('By the co-pilot');
    expect(byText('.bf-tabs a', 'History')!.getAttribute('aria-current')).toBe('page');
  });

  it('accepts a proposal, and rejects one with a reason', async () => {
    const proposal = (id: string, value: string) => ({
      id,
      section: 'identity',
      kind: 'update',
      based_on_version: 1,
      status: 'pending',
      created_at: now,
      fields: { business_name: { value, confidence: 0.8, sources: [{ message_id: 'm2', start: 0, end: value.length, quote: value }] } },
    });
    let pending = [proposal('p1', 'Rosé Bakery'), proposal('p2', 'Rosa')];
    const calls = fakeApi({
      'GET /api/v1/brief': () => ok(v1),
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/brief/proposals': () => ok(pending),
      'POST /api/v1/brief/proposals/p1/accept': () => {
        pending = pending.filter((p) => p.id !== 'p1');
        return ok({ ...proposal('p1', 'Rosé Bakery'), status: 'accepted', accepted_version: 2 });
      },
      'POST /api/v1/brief/proposals/p2/reject': () => {
        pending = [];
        return ok({ ...proposal('p2', 'Rosa'), status: 'rejected' });
      },
    });
    await mount('/proposals');
    await waitFor(() => $$('.bf-proposal').length === 2);
    const first = $$('.bf-proposal')[0]!;
    expect($('.bf-now', first)!.textContent).toBe('Café Rosé');
    expect($('.bf-proposed', first)!.textContent).toContain('Rosé Bakery');
    await click(byText('button', 'Accept', first)!);
    await waitFor(() => $$('.bf-proposal').length === 1);
    expect($toasts.get().map((t) => t.message)).toContain('Accepted: your Brief is now at version 2.');

    const second = $('.bf-proposal')!;
    await click(byText('button', 'Reject…', second)!);
    const reason = $<HTMLTextAreaElement>('textarea', second)!;
    expect(document.activeElement).toBe(reason);
    await act(async () => typeInto(reason, 'We are not renaming.'));
    await click(byText('button', 'Reject proposal', second)!);
    await waitFor(() => $('.bf-empty'));
    const reject = calls.find((c) => c.url.endsWith('/reject'))!;
    expect(reject.body).toEqual({ reason: 'We are not renaming.' });
    expect(reject.headers['Idempotency-Key']).toBeTruthy();
  });
  describe('asking the co-pilot to propose a section', () => {
    const proposed = (id: string, value: string, over: Record<string, unknown> = {}) => ({
      id,
      section: 'identity',
      kind: 'suggestion',
      based_on_version: 1,
      status: 'pending',
      created_at: now,
      fields: { industry: { value, confidence: 0.9, sources: [{ message_id: 'm3', start: 0, end: value.length, quote: value }] } },
      ...over,
    });
    const askButton = () => waitFor(() => $<HTMLButtonElement>('button[aria-label="Ask the co-pilot about Identity"]'));
    const identity = () => byText('.bf-section', 'Identity')!;
    const instruction = () => byText('label', 'How should it read?', identity()) as HTMLLabelElement;
    const instructionInput = () => document.getElementById(instruction().htmlFor) as HTMLInputElement;

    it('sends the instruction, then shows the new proposal in the proposals view and counts it', async () => {
      let pending: unknown[] = [];
      const calls = fakeApi({
        'GET /api/v1/brief': () => ok(v1),
        'GET /api/v1/brief/schema': () => ok(schema),
        'GET /api/v1/brief/proposals': () => ok(pending),
        'POST /api/v1/brief/sections/identity/propose': () => {
          pending = [proposed('p9', 'artisan bakery', { instruction: 'Say we bake every day' })];
          return ok(pending[0], 201);
        },
        ...contexts,
      });
      await mount();
      await click(await askButton());
      expect(instruction().textContent).toBe('How should it read? (optional)');
      expect(document.activeElement).toBe(instructionInput());
      expect(instructionInput().maxLength).toBe(500);
      expect($('.bf-banner')).toBeNull();
      await act(async () => typeInto(instructionInput(), '  Say we bake every day  '));
      await click(byText('button', 'Propose', identity())!);

      await waitFor(() => navigated.length > 0);
      expect(navigated).toEqual(['/brief/proposals']);
      const post = calls.find((c) => c.method === 'POST')!;
      expect(post.url).toBe('/api/v1/brief/sections/identity/propose');
      expect(post.body).toEqual({ instruction: 'Say we bake every day' });
      expect(post.headers['Idempotency-Key']).toBeTruthy();
      // The pending proposals are loaded again: the banner and the tab count it.
      await waitFor(() => calls.findLastIndex((c) => c.url.startsWith('/api/v1/brief/proposals')) > calls.indexOf(post));
      await waitFor(() => byText('.bf-banner', 'One proposed change'));
      expect(byText('.bf-tabs a', 'Proposals')!.textContent).toContain('1');

      await act(async () => app.update(ctx('/proposals')));
      const card = await waitFor(() => $('.bf-proposal'));
      expect(card.classList).toContain('bf-proposal--fresh');
      expect($('h3', card)!.textContent).toBe('IdentityNew');
      expect(document.activeElement).toBe($('h3', card));
      expect($('.bf-proposed', card)!.textContent).toContain('artisan bakery');
      expect($('.bf-now', card)!.textContent).toBe('Bakery');
      expect($('.bf-instruction', card)!.textContent).toBe('“Say we bake every day”');
    });

    it('says so calmly when there is nothing new (409), without an instruction in the body', async () => {
      const calls = fakeApi({
        'GET /api/v1/brief': () => ok(v1),
        'GET /api/v1/brief/schema': () => ok(schema),
        'GET /api/v1/brief/proposals': () => ok([]),
        'POST /api/v1/brief/sections/identity/propose': () => problem(409, 'Nothing new to propose for this section'),
        ...contexts,
      });
      await mount();
      const ask = await askButton();

      // Cancel closes the form and gives the focus back.
      await click(ask);
      await click(byText('button', 'Cancel', identity())!);
      expect($('form.bf-ask-form')).toBeNull();
      expect(document.activeElement).toBe(await askButton());

      await click(await askButton());
      await act(async () => typeInto(instructionInput(), '   '));
      await click(byText('button', 'Propose', identity())!);
      const note = await waitFor(() => byText('[role="status"]', 'Nothing new to propose for this section', identity()));
      expect($('[role="alert"]', identity())).toBeNull();
      expect($('form.bf-ask-form')).toBeNull();
      expect(document.activeElement).toBe(await askButton());
      expect(navigated).toEqual([]);
      const post = calls.find((c) => c.method === 'POST')!;
      expect(post.body).toBeUndefined();
      expect(post.headers['Idempotency-Key']).toBeTruthy();

      // Asking again clears the note.
      await click(await askButton());
      expect(note.textContent).toBe('');
    });

    it('keeps the form with an alert when the engine is unavailable (503), and tries again with the same key', async () => {
      const unavailable = () => problem(503, 'The co-pilot is not available right now. Try again in a minute.');
      const calls = fakeApi({
        'GET /api/v1/brief': () => ok(v1),
        'GET /api/v1/brief/schema': () => ok(schema),
        'GET /api/v1/brief/proposals': () => ok([]),
        'POST /api/v1/brief/sections/identity/propose': [unavailable, unavailable, unavailable, () => ok(proposed('p9', 'artisan bakery'), 201)],
        ...contexts,
      });
      await mount();
      await click(await askButton());
      await act(async () => typeInto(instructionInput(), 'Shorter'));

      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await click(byText('button', 'Propose', identity())!);
      const submit = $<HTMLButtonElement>('form.bf-ask-form button[type="submit"]')!;
      expect(submit.disabled).toBe(true);
      expect(submit.textContent).toBe('Proposing…');
      expect($('form.bf-ask-form')!.getAttribute('aria-busy')).toBe('true');
      await act(async () => vi.advanceTimersByTimeAsync(2000)); // the client's own retries of a 503
      vi.useRealTimers();

      const alert = byText('[role="alert"]', 'not available right now', identity())!;
      expect(alert).toBeTruthy();
      expect($('form.bf-ask-form')).not.toBeNull();
      expect(instructionInput().value).toBe('Shorter');
      expect(submit.disabled).toBe(false);
      expect(navigated).toEqual([]);

      await click(byText('button', 'Try again', identity())!);
      await waitFor(() => navigated.length > 0);
      const posts = calls.filter((c) => c.method === 'POST');
      expect(posts).toHaveLength(4);
      expect(new Set(posts.map((c) => c.headers['Idempotency-Key'])).size).toBe(1);
      expect(posts.every((c) => c.body?.instruction === 'Shorter')).toBe(true);
    });

    it('asks again for a proposal the Brief has moved past, with the words given then', async () => {
      const old = proposed('p1', 'café', { instruction: 'Shorter' });
      let pending: unknown[] = [old];
      const calls = fakeApi({
        'GET /api/v1/brief': () => ok(brief(2, { business_name: f('Café Rosé'), industry: f('bakery') })),
        'GET /api/v1/brief/schema': () => ok(schema),
        'GET /api/v1/brief/proposals': () => ok(pending),
        'POST /api/v1/brief/sections/identity/propose': () => {
          const p = proposed('p2', 'artisan bakery', { based_on_version: 2, instruction: 'Shorter' });
          pending = [p, old];
          return ok(p, 201);
        },
      });
      await mount('/proposals');
      const card = await waitFor(() => $('.bf-proposal'));
      expect(byText('button', 'Accept', card)!.hasAttribute('disabled')).toBe(true);
      await click(card.querySelector<HTMLButtonElement>('button[aria-label="Ask the co-pilot again about Identity"]')!);
      await waitFor(() => $$('.bf-proposal').length === 2);
      const post = calls.find((c) => c.method === 'POST')!;
      expect(post.body).toEqual({ instruction: 'Shorter' });
      expect(post.headers['Idempotency-Key']).toBeTruthy();
      const fresh = $('.bf-proposal--fresh')!;
      expect($('.bf-proposed', fresh)!.textContent).toContain('artisan bakery');
      expect(document.activeElement).toBe($('h3', fresh));
      expect(navigated).toEqual([]);
    });
  });
});
