// Cross-island state (seed §6.B): the frame and every micro-app import these
// same stores, so a change in one island shows in all of them. In React use
// `useStore($user)` from @nanostores/react; elsewhere `$user.get()` and
// `$user.subscribe(fn)`.
import { atom, computed } from 'nanostores';
import type { Org, User } from './types';

// --- $session: who is signed in ---------------------------------------------

/** Where the session stands: not known yet (loading), signed out, or a user (from GET /api/v1/me). */
export type Session =
  | { status: 'unknown' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; user: User };

export const $session = atom<Session>({ status: 'unknown' });

/** The signed-in user, or null. */
export const $user = computed($session, (s) => (s.status === 'signed-in' ? s.user : null));

// --- $orgs and $org: the caller's organisations, and the one they act in ----

/** The orgs the caller belongs to (GET /api/v1/orgs). */
export const $orgs = atom<Org[]>([]);

export const ORG_KEY = 'xentri.org';

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy settings)
  }
}

/**
 * The current org's id, persisted in localStorage: the API client sends it
 * as x-org-id on every call.
 */
export const $org = atom<string | null>(storage()?.getItem(ORG_KEY) ?? null);

$org.listen((id) => {
  const s = storage();
  if (!s) return;
  if (id) s.setItem(ORG_KEY, id);
  else s.removeItem(ORG_KEY);
});

/** The current org, or null when the caller has none (or $orgs is not loaded yet). */
export const $currentOrg = computed([$orgs, $org], (orgs, id) => orgs.find((o) => o.id === id) ?? null);

/**
 * chooseOrg keeps the stored org when the caller still belongs to it, else
 * picks their first (or none).
 */
export function chooseOrg(orgs: Org[], preferred: string | null = $org.get()): string | null {
  if (preferred && orgs.some((o) => o.id === preferred)) return preferred;
  return orgs[0]?.id ?? null;
}

// --- $toasts: non-blocking notices (seed §6.G) -------------------------------

export type ToastTone = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

export interface ToastOptions {
  tone?: ToastTone;
  /** Milliseconds until it goes by itself; 0 keeps it until dismissed. Default 6000. */
  timeout?: number;
}

export const $toasts = atom<Toast[]>([]);

let nextToast = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

/**
 * pushToast shows a notice in the frame's toast region (aria-live=polite)
 * and returns its id. Only for notices that block nothing: a failure of the
 * page's own content is an inline error with a retry, not a toast.
 */
export function pushToast(message: string, opts: ToastOptions = {}): number {
  const id = nextToast++;
  $toasts.set([...$toasts.get(), { id, message, tone: opts.tone ?? 'info' }]);
  const timeout = opts.timeout ?? 6000;
  if (timeout > 0) timers.set(id, setTimeout(() => dismissToast(id), timeout));
  return id;
}

/** dismissToast removes a notice (no-op if it is gone already). */
export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  const list = $toasts.get();
  if (list.some((t) => t.id === id)) $toasts.set(list.filter((t) => t.id !== id));
}
