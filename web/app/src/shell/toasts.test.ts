import { afterEach, describe, expect, it } from 'vitest';
import { $toasts, dismissToast, pushToast } from '../lib/stores';
import { mountToasts } from './toasts';

afterEach(() => {
  for (const t of $toasts.get()) dismissToast(t.id);
});

describe('the toast region', () => {
  it('adds and removes toasts one by one, each with a dismiss button', () => {
    document.body.innerHTML = '<ol id="t" aria-live="polite"></ol>';
    const list = document.getElementById('t')!;
    const stop = mountToasts(list);
    pushToast('Saved.', { tone: 'success' });
    const first = list.firstElementChild!;
    pushToast('Another.');
    expect(list.children).toHaveLength(2);
    expect(list.firstElementChild).toBe(first); // not re-rendered: announced once
    expect(first.className).toBe('toast toast--success');
    (first.querySelector('button') as HTMLButtonElement).click();
    expect([...list.children].map((li) => li.textContent)).toEqual(['Another.×']);
    stop();
  });
});
