// Renders $toasts into the frame's toast region (aria-live="polite"). Toasts
// are added and removed one by one, never re-rendered, so a screen reader
// announces each once.
import { $toasts, dismissToast } from '../lib/stores';

export function mountToasts(list: HTMLElement): () => void {
  const doc = list.ownerDocument;
  const shown = new Map<number, HTMLElement>();
  return $toasts.subscribe((toasts) => {
    const ids = new Set(toasts.map((t) => t.id));
    for (const [id, el] of shown) {
      if (!ids.has(id)) {
        el.remove();
        shown.delete(id);
      }
    }
    for (const t of toasts) {
      if (shown.has(t.id)) continue;
      const li = doc.createElement('li');
      li.className = `toast toast--${t.tone}`;
      const p = doc.createElement('p');
      p.textContent = t.message;
      const close = doc.createElement('button');
      close.type = 'button';
      close.className = 'toast__close';
      close.setAttribute('aria-label', 'Dismiss notification');
      close.textContent = '×';
      close.addEventListener('click', () => dismissToast(t.id));
      li.append(p, close);
      list.append(li);
      shown.set(t.id, li);
    }
  });
}
