// The co-pilot app, rendered against a fake fetch that answers as the API does.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../shell/types';
import schema from '../../../../../contracts/brief.schema.json';
import * as app from './index';
import { fakeApi, ok, problem, type Call } from '../../lib/fake-api';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const text = 'Hi 👋 I run Café Rosé 🌹, a small bakery in Montréal.';
const reply1 = {
  message_id: 'm1',
  client_message_id: 'c1',
  turn: 1,
  understood: [
    { section: 'identity', field: 'business_name', value: 'Café Rosé', sources: [{ message_id: 'm1', start: 11, end: 20, quote: 'Café Rosé' }] },
    { section: 'identity', field: 'industry', value: 'bakery', sources: [{ message_id: 'm1', start: 32, end: 38, quote: 'bakery' }] },
  ],
  missing: [
    { section: 'identity', field: 'location', question: 'Where is your business based?' },
    { section: 'offerings', field: 'products', question: 'What do you sell?' },
  ],
  next_question: 'Where is your business based?',
  text: 'Thanks, I noted business name: Café Rosé; industry: bakery. Where is your business based?',
};

const session = { id: 's1', status: 'open', created_at: new Date().toISOString(), workflow_id: 'copilot-session/s1' };

let el: HTMLElement;
let abort: AbortController;
const ctx = (): AppContext => ({
  app: 'co-pilot',
  base: '/co-pilot',
  path: '',
  search: new URLSearchParams(),
  orgId: 'o1',
  navigate: () => {},
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

const $ = <E extends Element = HTMLElement>(sel: string) => el.querySelector<E>(sel);
const $$ = (sel: string) => [...el.querySelectorAll<HTMLElement>(sel)];
const byText = (sel: string, t: string | RegExp) => $$(sel).find((n) => (typeof t === 'string' ? n.textContent?.includes(t) : t.test(n.textContent ?? '')));

function typeInto(area: HTMLTextAreaElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
  setter.call(area, value);
  area.dispatchEvent(new Event('input', { bubbles: true }));
}
const press = (target: Element, key: string, opts: KeyboardEventInit = {}) =>
  act(async () => void target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...opts })));
const click = (target: Element) => act(async () => void (target as HTMLElement).click());

beforeEach(() => {
  abort = new AbortController();
  el = document.createElement('div');
  document.body.append(el);
});
afterEach(async () => {
  abort.abort();
  await act(async () => app.unmount());
  el.remove();
  vi.unstubAllGlobals();
});

const mount = () => act(async () => app.mount(el, ctx()));

describe('the co-pilot app', () => {
  it('resumes the open session and highlights what was understood in the owner’s words, by code point', async () => {
    fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([{ ...session }, { id: 's0', status: 'finished' }]),
      'GET /api/v1/copilot/sessions/s1': () =>
        ok({ ...session, turns: 1, missing: reply1.missing, messages: [{ id: 'm1', turn: 1, client_message_id: 'c1', kind: 'text', text, reply: reply1 }] }),
    });
    await mount();
    await waitFor(() => $('.cp-owner-text'));
    expect($('.cp-owner-text')!.textContent).toBe(text);
    expect($$('mark.cp-mark').map((m) => m.textContent)).toEqual(['Café Rosé', 'bakery']);
    // The facts under the reply, and its question on its own.
    expect($$('.cp-fact').map((f) => f.textContent)).toEqual(['Identity · Business nameCafé Rosé', 'Identity · IndustryBakery']);
    expect($('.cp-question')!.textContent).toBe('Where is your business based?');
    // The side panel: heard, missing (with the question), known from the Brief.
    const panel = $('.cp-panel')!;
    expect(panel.querySelector('h2')!.textContent).toBe('Your Brief is forming');
    const heard = [...panel.querySelectorAll('.cp-pf--heard .cp-pf__title')].map((n) => n.firstChild!.textContent);
    expect(heard).toEqual(['Business name', 'Industry']);
    expect(byText('.cp-pf--missing', 'Location')!.textContent).toContain('Where is your business based?');
    expect(panel.querySelectorAll('.cp-pf--missing')).toHaveLength(2);
    expect(panel.querySelector('.cp-panel__count')!.textContent).toBe('14 of 16 answered');
  });

  it('starts the first session, with its opening question, when the org has none', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([]),
      'POST /api/v1/copilot/sessions': () => ok({ ...session, opening: 'Tell me about your business in your own words.' }, 201),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, missing: reply1.missing, messages: [] }),
    });
    await mount();
    await waitFor(() => byText('.cp-bubble--copilot', 'Tell me about your business'));
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1); // once, StrictMode or not
    expect(calls.find((c) => c.method === 'POST')!.headers['Idempotency-Key']).toBeTruthy();
    expect($<HTMLButtonElement>('.cp-chat__head button')!.disabled).toBe(true); // nothing to finish yet
  });

  it('sends on Enter, shows the message at once, then the reply with its highlights', async () => {
    let answer!: (r: Response) => void;
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, missing: reply1.missing, messages: [] }),
      'POST /api/v1/copilot/sessions/s1/messages': () => new Promise<Response>((r) => (answer = r)),
    });
    await mount();
    const area = await waitFor(() => $<HTMLTextAreaElement>('textarea'));
    await act(async () => typeInto(area, 'line one'));
    await press(area, 'Enter', { shiftKey: true }); // a new line, not a send
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await act(async () => typeInto(area, text));
    await press(area, 'Enter');
    // Optimistic: the owner's words, "Sending…", the composer waiting.
    await waitFor(() => $('.cp-row--sending'));
    expect($('.cp-row--sending .cp-owner-text')!.textContent).toBe(text);
    expect(byText('.cp-status', 'Sending…')).toBeTruthy();
    expect(area.readOnly).toBe(true);
    expect(area.value).toBe('');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toMatchObject({ text, kind: 'text' });
    expect(post.body.client_message_id).toBeTruthy();

    await act(async () => answer(ok({ ...reply1, client_message_id: post.body.client_message_id })));
    await waitFor(() => $('.cp-row--replied'));
    expect($$('mark.cp-mark').map((m) => m.textContent)).toEqual(['Café Rosé', 'bakery']);
    expect(area.readOnly).toBe(false);
    expect($('.cp-pf--new')).not.toBeNull();
  });

  it('sends a pasted voice note transcript as such', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, messages: [] }),
      'POST /api/v1/copilot/sessions/s1/messages': (c) => ok({ ...reply1, client_message_id: c.body.client_message_id }),
    });
    await mount();
    const toggle = await waitFor(() => $<HTMLInputElement>('input[role="switch"]'));
    expect(toggle.closest('label')!.textContent).toContain('Paste a voice note transcript');
    await click(toggle);
    const area = $<HTMLTextAreaElement>('textarea')!;
    expect(area.placeholder).toMatch(/transcript/);
    await act(async () => typeInto(area, 'so um we bake bread'));
    await click($('button[type="submit"]')!);
    await waitFor(() => $('.cp-row--replied'));
    expect(calls.find((c) => c.method === 'POST')!.body.kind).toBe('voice_transcript');
    expect($('.cp-kind')!.textContent).toBe('Voice note transcript');
  });

  it('shows a failed turn inline; Try again sends it with the same client_message_id and key', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, messages: [] }),
      'POST /api/v1/copilot/sessions/s1/messages': [
        () => problem(500, 'The co-pilot is not answering right now.'),
        (c) => ok({ ...reply1, client_message_id: c.body.client_message_id }),
      ],
    });
    await mount();
    const area = await waitFor(() => $<HTMLTextAreaElement>('textarea'));
    await act(async () => typeInto(area, text));
    await press(area, 'Enter');
    const alert = await waitFor(() => $('.cp-failed'));
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('The co-pilot is not answering right now.');
    expect(area.readOnly).toBe(true); // settle the failed one first

    await click(byText('.cp-failed button', 'Try again')!);
    await waitFor(() => $('.cp-row--replied'));
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body.client_message_id).toBe(posts[0]!.body.client_message_id);
    expect(posts[1]!.headers['Idempotency-Key']).toBe(posts[0]!.headers['Idempotency-Key']);
    expect($$('.cp-row--owner')).toHaveLength(1);
    expect($('.cp-failed')).toBeNull();
  });

  it('Edit message takes a failed turn back into the composer', async () => {
    fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, messages: [] }),
      'POST /api/v1/copilot/sessions/s1/messages': () => problem(400, 'The message is too long.'),
    });
    await mount();
    const area = await waitFor(() => $<HTMLTextAreaElement>('textarea'));
    await act(async () => typeInto(area, 'hello'));
    await press(area, 'Enter');
    await waitFor(() => $('.cp-failed'));
    await click(byText('.cp-failed button', 'Edit message')!);
    expect($$('.cp-row--owner')).toHaveLength(0);
    expect(area.value).toBe('hello');
    expect(area.readOnly).toBe(false);
  });

  it('finishes: confirms, ends the session, follows the generation to a link to the Brief', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 1, missing: reply1.missing, messages: [{ id: 'm1', turn: 1, client_message_id: 'c1', kind: 'text', text, reply: reply1 }] }),
      'POST /api/v1/copilot/sessions/s1/finish': () => ok({ status: 'finished', turns: 1, generation_workflow_id: 'brief-generate/o1/s1' }),
      'GET /api/v1/workflows/brief-generate/o1/s1': [
        () => ok({ workflow_id: 'brief-generate/o1/s1', status: 'RUNNING' }),
        () => ok({ workflow_id: 'brief-generate/o1/s1', status: 'COMPLETED', result: { version: 1, proposals: 0 } }),
      ],
    });
    await mount();
    const finish = await waitFor(() => byText('.cp-chat__head button', 'Finish') as HTMLButtonElement | undefined);
    expect(finish.disabled).toBe(false);
    await click(finish);
    const confirm = await waitFor(() => byText('.cp-confirm button', 'Finish and write my Brief'));
    expect(document.activeElement).toBe(confirm);
    expect(calls.some((c) => c.url.endsWith('/finish'))).toBe(false); // asked first
    await click(confirm);
    await waitFor(() => byText('.cp-finish h2', 'Writing your Brief'));
    await waitFor(() => byText('.cp-finish h2', 'Your Brief is ready'));
    expect(byText('.cp-finish a', 'Open your Brief')!.getAttribute('href')).toBe('/brief');
    expect(calls.filter((c) => c.url.endsWith('/finish'))).toHaveLength(1);
    // The workflow id keeps its slashes in the path (the server matches them as segments).
    expect(calls.filter((c) => c.url.startsWith('/api/v1/workflows/')).map((c) => c.url)).toEqual([
      '/api/v1/workflows/brief-generate/o1/s1',
      '/api/v1/workflows/brief-generate/o1/s1',
    ]);
    expect($('textarea')).toBeNull();
  });

  it('offers a new conversation when every session has ended', async () => {
    const calls = fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([{ id: 's0', status: 'finished', ended_at: new Date().toISOString() }]),
      'POST /api/v1/copilot/sessions': () => ok({ ...session, opening: 'What would you like to change?' }, 201),
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, messages: [] }),
    });
    await mount();
    const start = await waitFor(() => byText('.cp-ended button', 'Start a new conversation'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await click(start);
    await waitFor(() => byText('.cp-bubble--copilot', 'What would you like to change?'));
  });

  it('says so inline, with a retry, when the sessions cannot be read', async () => {
    fakeApi({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': [() => problem(500, 'Xentri is having trouble.'), () => ok([session])],
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, messages: [] }),
    });
    await mount();
    const err = await waitFor(() => $('[role="alert"]'));
    expect(err.textContent).toContain('Xentri is having trouble.');
    await click(err.querySelector('button')!);
    await waitFor(() => $('textarea'));
  });

  it('before a new session’s first turn, the panel takes what is missing from the Brief (or, with none, everything)', async () => {
    const routes = (brief: () => Response) => ({
      'GET /api/v1/brief/schema': () => ok(schema),
      'GET /api/v1/copilot/sessions': () => ok([session]),
      // The session's workflow says [] until its first turn.
      'GET /api/v1/copilot/sessions/s1': () => ok({ ...session, turns: 0, missing: [], messages: [] }),
      'GET /api/v1/brief': brief,
    });
    fakeApi(routes(() => problem(404, 'No Brief yet.')));
    await mount();
    await waitFor(() => byText('.cp-panel__count', '0 of 16 answered'));
    expect($$('.cp-pf--missing')).toHaveLength(16);
    await act(async () => app.unmount());

    fakeApi(routes(() => ok({ version: 2, data: { sections: {}, missing: reply1.missing } })));
    await mount();
    await waitFor(() => byText('.cp-panel__count', '14 of 16 answered'));
    expect(byText('.cp-pf--missing', 'Location')!.textContent).toContain('Where is your business based?');
    expect($$('.cp-pf--known')).toHaveLength(14);
  });
});
