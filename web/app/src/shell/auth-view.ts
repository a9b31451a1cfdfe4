// The log-in, sign-up and create-organisation views: static forms in the
// frame (index.astro), shown by the router instead of an app. Problems show
// inline: the problem's detail above the form, each field's error under the
// field.
import { ApiError, type Client } from '../lib/api';
import { logIn, signUp } from '../lib/auth';
import { $org, $orgs } from '../lib/stores';

export interface AuthForm {
  form: HTMLFormElement;
  /** The form-level message (role=alert). */
  error: HTMLElement;
}

/** showProblem puts an error's detail and per-field errors on the form. */
export function showProblem(f: AuthForm, err: unknown): void {
  clearProblem(f);
  const detail = err instanceof ApiError ? err.detail : 'Something went wrong. Please try again.';
  const fields = err instanceof ApiError ? err.fields : {};
  let unplaced = '';
  for (const [name, why] of Object.entries(fields)) {
    const input = f.form.elements.namedItem(name) as HTMLInputElement | null;
    const slot = input && f.form.querySelector<HTMLElement>(`#${input.id}-error`);
    if (!input || !slot) {
      unplaced += ` ${name} ${why}.`;
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    slot.textContent = `${capitalize(labelOf(input))} ${why}.`;
    slot.hidden = false;
  }
  f.error.textContent = detail + unplaced;
  f.error.hidden = false;
  (f.form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? null)?.focus();
}

export function clearProblem(f: AuthForm): void {
  f.error.hidden = true;
  f.error.textContent = '';
  for (const input of f.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const slot of f.form.querySelectorAll<HTMLElement>('.field-error')) {
    slot.hidden = true;
    slot.textContent = '';
  }
}

function labelOf(input: HTMLInputElement): string {
  return input.labels?.[0]?.firstChild?.textContent?.trim() || input.name;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

async function submitting(form: HTMLFormElement, busyText: string, fn: () => Promise<void>): Promise<void> {
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const text = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  form.setAttribute('aria-busy', 'true');
  try {
    await fn();
  } finally {
    button.disabled = false;
    button.textContent = text;
    form.removeAttribute('aria-busy');
  }
}

const value = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '').trim();

/** bindLogin: on success the session store changes and the router moves on. */
export function bindLogin(f: AuthForm): void {
  f.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitting(f.form, 'Logging in…', async () => {
      clearProblem(f);
      try {
        await logIn(value(f.form, 'email'), String(new FormData(f.form).get('password') ?? ''));
        f.form.reset();
      } catch (err) {
        showProblem(f, err);
      }
    });
  });
}

export function bindSignup(f: AuthForm, done: HTMLElement): void {
  f.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitting(f.form, 'Creating your account…', async () => {
      clearProblem(f);
      done.hidden = true;
      try {
        const outcome = await signUp({
          email: value(f.form, 'email'),
          password: String(new FormData(f.form).get('password') ?? ''),
          org_name: value(f.form, 'org_name'),
        });
        f.form.reset();
        if (outcome === 'confirm') {
          done.hidden = false;
          done.focus();
        }
      } catch (err) {
        showProblem(f, err);
      }
    });
  });
}

/**
 * bindCreateOrg: the view of a signed-in user in no organisation creates
 * one (POST /api/v1/orgs, the caller its owner). On success $orgs and $org
 * have the new org, and the frame moves on to the app. It lives here, not
 * in lib/auth.ts, and takes its client from the frame, so that lib's chunk
 * (and with it every app's bundle) stays as it was.
 */
export function bindCreateOrg(f: AuthForm, client: Client): void {
  // One Idempotency-Key per name asked for: pressing Create again after a
  // lost answer (the org may exist already) gets that answer, not a second
  // org; another name is another request.
  let asked: { name: string; key: string } | null = null;
  f.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitting(f.form, 'Creating your organisation…', async () => {
      clearProblem(f);
      const name = value(f.form, 'name');
      if (asked?.name !== name) asked = { name, key: client.newActionKey() };
      try {
        const { data: org } = await client.post('/api/v1/orgs', { body: { name }, idempotencyKey: asked.key });
        if (!org) throw new Error('POST /api/v1/orgs answered without an org');
        asked = null;
        $orgs.set([...$orgs.get(), org]);
        $org.set(org.id);
        f.form.reset();
      } catch (err) {
        showProblem(f, err);
      }
    });
  });
}
