// The notifications app's logic, free of React: paging the list (the API
// pages oldest first; the screen shows newest first), merging pages and
// fresh items, read states, and how a notification is said and linked.
import { api, type ResponseData } from '../../lib/api';
import type { Meta } from '../../lib/types';

type Raw = NonNullable<ResponseData<'/api/v1/notifications', 'get'>>[number];

/** A notification as the screen uses it (the contract marks every field optional). */
export interface Notice {
  id: string;
  kind: NonNullable<Raw['kind']> | 'other';
  title: string;
  subjectId: string | null;
  readAt: string | null;
  createdAt: string;
}

/** toNotice keeps what the screen needs of one item, or null for one without an id. */
export function toNotice(raw: Raw): Notice | null {
  if (!raw.id) return null;
  return {
    id: raw.id,
    kind: raw.kind ?? 'other',
    title: raw.title?.trim() || 'Notification',
    subjectId: raw.subject_id ?? null,
    readAt: raw.read_at ?? null,
    createdAt: raw.created_at ?? '',
  };
}

/** Newest first: by created_at, then by id (UUIDv7, time-ordered) for ties. */
export function newestFirst(a: Notice, b: Notice): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * merge adds incoming notifications to a list: one per id (the incoming
 * copy wins, except that a notification read here stays read), newest
 * first. Pages, a refresh and (later) live events all come in through it.
 */
export function merge(current: readonly Notice[], incoming: readonly Notice[]): Notice[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  for (const n of incoming) {
    const had = byId.get(n.id);
    byId.set(n.id, had?.readAt && !n.readAt ? { ...n, readAt: had.readAt } : n);
  }
  return [...byId.values()].sort(newestFirst);
}

export type PageLoader = (cursor: string | undefined) => Promise<{ data: Notice[]; meta: Meta }>;

export interface Loaded {
  items: Notice[];
  /** Where to go on when `more`: the cursor after the last page read. */
  cursor: string | undefined;
  /** Pages are left that maxPages did not read; they hold the newest notifications. */
  more: boolean;
}

/**
 * loadPages reads pages from `from` until the API has no next cursor (or
 * maxPages were read), merging them newest first. The API pages oldest
 * first, so the newest notifications are on the last page: the list is
 * read to its end before it is shown (200 a page, 20 pages by default),
 * and when it is longer than that, `more` and `cursor` say where to go on.
 */
export async function loadPages(load: PageLoader, from?: string, maxPages = 20): Promise<Loaded> {
  let items: Notice[] = [];
  let cursor = from;
  for (let page = 0; page < maxPages; page++) {
    const { data, meta } = await load(cursor);
    items = merge(items, data);
    if (!meta.next_cursor) return { items, cursor: undefined, more: false };
    cursor = meta.next_cursor;
  }
  return { items, cursor, more: true };
}

/** The API's page loader, for all notifications or only the unread ones. */
export function apiPages(unread: boolean, signal?: AbortSignal): PageLoader {
  return async (cursor) => {
    const { data, meta } = await api.get('/api/v1/notifications', {
      query: { unread: unread || undefined, limit: 200, cursor },
      signal,
    });
    return { data: (data ?? []).map(toNotice).filter((n): n is Notice => n !== null), meta };
  };
}

// --- Read states ------------------------------------------------------------

/** markRead marks one notification read at `at` (a no-op when it already is). */
export function markRead(list: readonly Notice[], id: string, at: string): Notice[] {
  return list.map((n) => (n.id === id && !n.readAt ? { ...n, readAt: at } : n));
}

/** markAllRead marks every notification read at `at`. */
export function markAllRead(list: readonly Notice[], at: string): Notice[] {
  return list.map((n) => (n.readAt ? n : { ...n, readAt: at }));
}

/** unreadIn counts the unread notifications of a list. */
export function unreadIn(list: readonly Notice[]): number {
  return list.reduce((k, n) => k + (n.readAt ? 0 : 1), 0);
}

// --- Saying and linking -----------------------------------------------------

/** Where a notification leads: its lead, for both kinds so far. */
export function subjectHref(n: Notice): string | null {
  if (!n.subjectId) return null;
  return n.kind === 'followup_due' || n.kind === 'high_value_lead' ? `/leads/${encodeURIComponent(n.subjectId)}` : null;
}

export const kindLabel: Record<Notice['kind'], string> = {
  followup_due: 'Follow-up due',
  high_value_lead: 'High-value lead',
  other: 'Notice',
};

export type DayGroup = 'Today' | 'Yesterday' | 'Earlier this week' | 'Older';

/** dayGroup sorts a date into the headings the list uses, in local time. */
export function dayGroup(iso: string, now: Date): DayGroup {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return 'Older';
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const day = 86_400_000;
  if (t >= start) return 'Today';
  if (t.getTime() >= start.getTime() - day) return 'Yesterday';
  if (t.getTime() >= start.getTime() - 6 * day) return 'Earlier this week';
  return 'Older';
}

/** groupByDay keeps the order of a newest-first list and cuts it into day groups. */
export function groupByDay(list: readonly Notice[], now: Date): { group: DayGroup; items: Notice[] }[] {
  const out: { group: DayGroup; items: Notice[] }[] = [];
  for (const n of list) {
    const g = dayGroup(n.createdAt, now);
    const last = out[out.length - 1];
    if (last?.group === g) last.items.push(n);
    else out.push({ group: g, items: [n] });
  }
  return out;
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** ago says how long ago iso was ("5 minutes ago", "yesterday", or a date). */
export function ago(iso: string, now: Date): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now.getTime()) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 7 * 86_400) return rtf.format(Math.round(s / 86_400), 'day');
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

// --- The screen's state -------------------------------------------------------

export interface State {
  /** loading: the first load or a refresh (items stay on screen during a refresh). */
  phase: 'loading' | 'ready' | 'error';
  items: Notice[];
  error: unknown;
  /** Newer pages are left to read (the list is longer than one load reads). */
  more: boolean;
  cursor: string | undefined;
}

export type Action =
  | { type: 'load' }
  | { type: 'loaded'; page: Loaded; append?: boolean }
  | { type: 'failed'; error: unknown }
  | { type: 'read'; id: string; at: string }
  | { type: 'unread'; id: string }
  | { type: 'allRead'; at: string }
  | { type: 'restore'; items: Notice[] }
  | { type: 'incoming'; items: Notice[] };

export const initialState: State = { phase: 'loading', items: [], error: undefined, more: false, cursor: undefined };

export function reducer(s: State, a: Action): State {
  switch (a.type) {
    case 'load':
      return { ...s, phase: 'loading', error: undefined };
    case 'loaded':
      return {
        phase: 'ready',
        error: undefined,
        items: a.append ? merge(s.items, a.page.items) : a.page.items,
        more: a.page.more,
        cursor: a.page.cursor,
      };
    case 'failed':
      return { ...s, phase: 'error', error: a.error };
    case 'read':
      return { ...s, items: markRead(s.items, a.id, a.at) };
    case 'unread':
      return { ...s, items: s.items.map((n) => (n.id === a.id ? { ...n, readAt: null } : n)) };
    case 'allRead':
      return { ...s, items: markAllRead(s.items, a.at) };
    case 'restore':
      return { ...s, items: a.items };
    case 'incoming':
      return { ...s, items: merge(s.items, a.items) };
  }
}
