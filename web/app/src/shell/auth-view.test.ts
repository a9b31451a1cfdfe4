import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import { clearProblem, showProblem } from './auth-view';

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
