import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createClient } from '../lib/api';
import { $org, $orgs } from '../lib/stores';
import { bindCreateOrg, clearProblem, showProblem } from './auth-view';

function form() {
  document.body.innerHTML = `
    <form id="f">
      <p id="err" role="alert" hidden></p>
      <label for="s-email">Email</label><input id="s-email" name="email" />
      <p id="s-email-error" class="field-error" hidden></p>
      <label for="s-password">Password</label><input id="s-password" name="password" />
      <p id="s-password-error" class="field-error" hidden></p>
    </form>`;
  return { form: document.getElementById('f') as HTMLFormElement, error: document.getElementById('err')! };
}

describe('auth forms', () => {
  it("show the problem's detail above the form and each field's error under its field", () => {
    const f = form();
    const err = new ApiError({
      type: 'https://xentri.app/problems/invalid',
      title: 'Bad Request',
      status: 400,
      detail: 'The password is too short.',
      trace_id: 't',
      errors: { password: 'must be at least 8 characters' },
    });
    showProblem(f, err);
    expect(f.error.hidden).toBe(false);
    expect(f.error.textContent).toBe('The password is too short.');
    const slot = document.getElementById('s-password-error')!;
    expect(slot.hidden).toBe(false);
    expect(slot.textContent).toBe('Password must be at least 8 characters.');
    expect(document.getElementById('s-password')!.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(document.getElementById('s-password'));

    clearProblem(f);
    expect(f.error.hidden).toBe(true);
    expect(slot.hidden).toBe(true);
    expect(document.getElementById('s-password')!.hasAttribute('aria-invalid')).toBe(false);
  });

  it('say what went wrong when it was not the server', () => {
    const f = form();
    showProblem(f, new TypeError('x'));
    expect(f.error.textContent).toBe('Something went wrong. Please try again.');
  });
});

describe('the create-org form', () => {
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' },
    });

  function setup(fetch: (init: RequestInit) => Promise<Response>) {
    document.body.innerHTML = `
      <form id="f">
        <p id="err" role="alert" hidden></p>
        <label for="create-org-name">Business name</label><input id="create-org-name" name="name" required />
        <p id="create-org-name-error" class="field-error" hidden></p>
        <button type="submit">Create organisation</button>
      </form>`;
    const f = { form: document.getElementById('f') as HTMLFormElement, error: document.getElementById('err')! };
    const client = createClient({
      fetch: (async (_: RequestInfo | URL, init: RequestInit = {}) => fetch(init)) as typeof globalThis.fetch,
      sleep: async () => {}, // the client's own retries, at once
    });
    bindCreateOrg(f, client);
    const input = document.getElementById('create-org-name') as HTMLInputElement;
    const button = f.form.querySelector('button')!;
    const submit = (name: string) => {
      input.value = name;
      f.form.requestSubmit();
    };
    return { f, input, button, submit };
  }

  afterEach(() => {
    $orgs.set([]);
    $org.set(null);
  });

  it('is busy while it creates the org, then acts in it', async () => {
    let release!: (r: Response) => void;
    const sent: RequestInit[] = [];
    const { f, input, button, submit } = setup((init) => {
      sent.push(init);
      return new Promise((r) => (release = r));
    });
    submit('  Ada Bakery ');
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe('Creating your organisation…');
    expect(f.form.getAttribute('aria-busy')).toBe('true');
    expect(sent[0]!.method).toBe('POST');
    expect(JSON.parse(String(sent[0]!.body))).toEqual({ name: 'Ada Bakery' });

    const org = { id: 'o1', name: 'Ada Bakery', role: 'owner', created_at: '2025-01-01T00:00:00Z' };
    release(answer(201, { data: org, error: null, meta: {} }));
    await vi.waitFor(() => expect($org.get()).toBe('o1'));
    expect($orgs.get()).toEqual([org]);
    await vi.waitFor(() => expect(button.disabled).toBe(false));
    expect(button.textContent).toBe('Create organisation');
    expect(input.value).toBe('');
    expect(f.error.hidden).toBe(true);
  });

  it('asks again with the same key after a lost answer, and with a new one for another name', async () => {
    const keys: string[] = [];
    const { f, button, submit } = setup(async (init) => {
      keys.push(new Headers(init.headers).get('Idempotency-Key') ?? '');
      throw new TypeError('offline');
    });
    submit('Ada Bakery');
    await vi.waitFor(() => expect(f.error.hidden).toBe(false));
    await vi.waitFor(() => expect(button.disabled).toBe(false));
    const first = keys.length;
    submit('Ada Bakery');
    await vi.waitFor(() => expect(keys.length).toBeGreaterThan(first));
    await vi.waitFor(() => expect(button.disabled).toBe(false));
    const second = keys.length;
    submit('Ada’s Bakery');
    await vi.waitFor(() => expect(keys.length).toBeGreaterThan(second));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys.slice(0, second))).toEqual(new Set([keys[0]]));
    expect(keys[second]).not.toBe(keys[0]);
  });

  it("shows a 400's field error under the name, and a 409's detail above the form", async () => {
    const answers = [
      answer(400, {
        type: 'x',
        title: 'Bad Request',
        status: 400,
        detail: 'The organisation needs a name of 1 to 200 characters.',
        trace_id: 't',
        errors: { name: 'must be 1 to 200 characters' },
      }),
      answer(409, { type: 'x', title: 'Conflict', status: 409, detail: 'That organisation exists already.', trace_id: 't' }),
    ];
    const { f, input, button, submit } = setup(async () => answers.shift()!);
    submit(' ');
    const slot = document.getElementById('create-org-name-error')!;
    await vi.waitFor(() => expect(slot.hidden).toBe(false));
    expect(slot.textContent).toBe('Business name must be 1 to 200 characters.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(f.error.textContent).toBe('The organisation needs a name of 1 to 200 characters.');
    await vi.waitFor(() => expect(button.disabled).toBe(false));
    expect(document.activeElement).toBe(input);

    submit('Ada Bakery');
    await vi.waitFor(() => expect(f.error.textContent).toBe('That organisation exists already.'));
    expect(slot.hidden).toBe(true);
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect($org.get()).toBeNull();
  });
});
