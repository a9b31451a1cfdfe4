// The board's state and its reducer: pure, so the optimistic moves, their
// rollbacks and the live updates are tested without a browser.
//
// A card moves at once (move/start); the server's answer confirms it
// (move/done) or the move rolls back to where the card was (move/failed),
// a 412 then reloads the lead (lead/upsert). Live events and reloads go
// through lead/upsert, which never lets an older version of a lead replace
// a newer one, and leaves a card alone while its move is in flight.
import type { Schemas } from '../../lib/types';
import { addValue, type Money } from './format';

export type Lead = Schemas['Lead'];
export type LeadStatus = Schemas['LeadStatus'];
export type LeadInput = Schemas['LeadInput'];

/** The pipeline, in board order. */
export const STATUSES = ['new', 'contacted', 'qualified', 'won', 'lost'] as const satisfies readonly LeadStatus[];

export const STATUS_LABEL: Record<LeadStatus, string> = {
  new: 'New',
  contacted: 'Contacted',
  qualified: 'Qualified',
  won: 'Won',
  lost: 'Lost',
};

export const isStatus = (s: unknown): s is LeadStatus => typeof s === 'string' && (STATUSES as readonly string[]).includes(s);

/** A lead as the board holds it: the contract's Lead with what the board relies on. */
export type Card = Lead & { id: string; status: LeadStatus; version: number };

export function toCard(lead: Lead | null | undefined): Card | null {
  if (!lead?.id || !isStatus(lead.status)) return null;
  return { ...lead, id: lead.id, status: lead.status, version: lead.version ?? 0 };
}

export interface ColumnSummary {
  leads: number;
  value: Money[];
}

export type Summary = Record<LeadStatus, ColumnSummary>;

export interface Column {
  ids: string[];
  /** meta.next_cursor of the last page: more to load. */
  cursor: string | null;
  state: 'idle' | 'loading' | 'more' | 'ready' | 'error';
  error?: unknown;
}

export interface PendingMove {
  from: LeadStatus;
  index: number;
  before: Card;
}

export interface Filters {
  q: string;
  source: string;
}

export interface Board {
  cards: Record<string, Card>;
  columns: Record<LeadStatus, Column>;
  summary: Summary | null;
  summaryError?: unknown;
  pending: Record<string, PendingMove>;
  /** The sources seen, for the filter. */
  sources: string[];
}

export type Action =
  | { type: 'reset' }
  | { type: 'column/loading'; status: LeadStatus; more: boolean }
  | { type: 'column/loaded'; status: LeadStatus; leads: Lead[]; cursor: string | null; more: boolean }
  | { type: 'column/failed'; status: LeadStatus; error: unknown }
  | { type: 'summary/loaded'; columns: { status: LeadStatus; leads: number; value: Money[] }[] }
  | { type: 'summary/failed'; error: unknown }
  | { type: 'move/start'; id: string; to: LeadStatus; lostReason?: string }
  | { type: 'move/done'; id: string; lead: Lead }
  | { type: 'move/failed'; id: string }
  | { type: 'lead/upsert'; lead: Lead; filters: Filters }
  | { type: 'lead/remove'; id: string };

const DEFAULT_SOURCES = ['manual', 'website'];

export function emptyBoard(): Board {
  const columns = {} as Record<LeadStatus, Column>;
  for (const s of STATUSES) columns[s] = { ids: [], cursor: null, state: 'idle' };
  return { cards: {}, columns, summary: null, pending: {}, sources: [...DEFAULT_SOURCES] };
}

/** matchesFilters says whether a lead belongs on the board under the filters (as the API filters). */
export function matchesFilters(lead: Lead, f: Filters): boolean {
  const q = f.q.trim().toLowerCase();
  if (q && ![lead.name, lead.email, lead.company].some((v) => v?.toLowerCase().includes(q))) return false;
  if (f.source && lead.source !== f.source) return false;
  return true;
}

/** The filters as the API's query: empty ones left out. */
export function filterQuery(f: Filters): { q?: string; source?: string } {
  const q = f.q.trim();
  return { ...(q ? { q } : {}), ...(f.source ? { source: f.source } : {}) };
}

function withSources(sources: string[], cards: (Card | null)[]): string[] {
  let out = sources;
  for (const c of cards) {
    if (c?.source && !out.includes(c.source)) out = [...out, c.source];
  }
  return out;
}

/** statusOf finds the column a card is in. */
function columnOf(b: Board, id: string): LeadStatus | null {
  for (const s of STATUSES) if (b.columns[s].ids.includes(id)) return s;
  return null;
}

function withoutId(b: Board, id: string): Record<LeadStatus, Column> {
  const columns = { ...b.columns };
  for (const s of STATUSES) {
    if (columns[s].ids.includes(id)) columns[s] = { ...columns[s], ids: columns[s].ids.filter((x) => x !== id) };
  }
  return columns;
}

function insert(ids: string[], id: string, at: number): string[] {
  const out = ids.filter((x) => x !== id);
  out.splice(Math.max(0, Math.min(at, out.length)), 0, id);
  return out;
}

/** shift moves a lead's count and value from one column of the summary to another. */
function shift(summary: Summary | null, card: Card, from: LeadStatus, to: LeadStatus): Summary | null {
  if (!summary || from === to) return summary;
  return {
    ...summary,
    [from]: { leads: Math.max(0, summary[from].leads - 1), value: addValue(summary[from].value, card.value, -1) },
    [to]: { leads: summary[to].leads + 1, value: addValue(summary[to].value, card.value, 1) },
  };
}

export function reduce(b: Board, a: Action): Board {
  switch (a.type) {
    case 'reset':
      return { ...emptyBoard(), sources: b.sources };

    case 'column/loading':
      return { ...b, columns: { ...b.columns, [a.status]: { ...b.columns[a.status], state: a.more ? 'more' : 'loading', error: undefined } } };

    case 'column/failed':
      return { ...b, columns: { ...b.columns, [a.status]: { ...b.columns[a.status], state: 'error', error: a.error } } };

    case 'column/loaded': {
      const cards = { ...b.cards };
      let columns = { ...b.columns };
      const incoming: string[] = [];
      const fresh = a.leads.map(toCard);
      for (const card of fresh) {
        if (!card || card.status !== a.status) continue;
        if (b.pending[card.id]) continue; // its move is in flight: the answer settles it
        const have = cards[card.id];
        if (have && have.version > card.version) continue; // a live update was newer
        cards[card.id] = card;
        incoming.push(card.id);
        // It is in this column now, whatever another column's older page said.
        for (const s of STATUSES) {
          if (s !== a.status && columns[s].ids.includes(card.id)) columns[s] = { ...columns[s], ids: columns[s].ids.filter((x) => x !== card.id) };
        }
      }
      const col = columns[a.status];
      let ids: string[];
      if (a.more) {
        ids = [...col.ids, ...incoming.filter((id) => !col.ids.includes(id))];
      } else {
        // Cards moved here and still in flight stay on top.
        const moved = Object.entries(b.pending)
          .filter(([id]) => b.cards[id]?.status === a.status)
          .map(([id]) => id);
        ids = [...moved, ...incoming.filter((id) => !moved.includes(id))];
      }
      columns = { ...columns, [a.status]: { ids, cursor: a.cursor || null, state: 'ready' } };
      return { ...b, cards, columns, sources: withSources(b.sources, fresh) };
    }

    case 'summary/loaded': {
      const summary = {} as Summary;
      for (const s of STATUSES) summary[s] = { leads: 0, value: [] };
      for (const c of a.columns) if (isStatus(c.status)) summary[c.status] = { leads: c.leads, value: c.value ?? [] };
      // The server's word, moves in flight or not: the board reloads the
      // summary once they settle.
      return { ...b, summary, summaryError: undefined };
    }

    case 'summary/failed':
      return { ...b, summaryError: a.error };

    case 'move/start': {
      const card = b.cards[a.id];
      if (!card || card.status === a.to || b.pending[a.id]) return b;
      const from = columnOf(b, a.id) ?? card.status;
      const index = Math.max(0, b.columns[from].ids.indexOf(a.id));
      const columns = withoutId(b, a.id);
      columns[a.to] = { ...columns[a.to], ids: insert(columns[a.to].ids, a.id, 0) };
      const moved: Card = { ...card, status: a.to, lost_reason: a.to === 'lost' ? (a.lostReason ?? card.lost_reason) : null };
      return {
        ...b,
        cards: { ...b.cards, [a.id]: moved },
        columns,
        summary: shift(b.summary, card, from, a.to),
        pending: { ...b.pending, [a.id]: { from, index, before: card } },
      };
    }

    case 'move/done': {
      const { [a.id]: _, ...pending } = b.pending;
      const card = toCard(a.lead);
      if (!card) return { ...b, pending };
      const have = b.cards[a.id];
      const next = have && have.version > card.version ? have : card;
      const at = columnOf(b, a.id);
      let columns = b.columns;
      if (at !== next.status) {
        columns = withoutId(b, a.id);
        columns[next.status] = { ...columns[next.status], ids: insert(columns[next.status].ids, a.id, 0) };
      }
      return { ...b, pending, cards: { ...b.cards, [a.id]: next }, columns };
    }

    case 'move/failed': {
      const p = b.pending[a.id];
      if (!p) return b;
      const { [a.id]: _, ...pending } = b.pending;
      const now = b.cards[a.id];
      const columns = withoutId(b, a.id);
      columns[p.from] = { ...columns[p.from], ids: insert(columns[p.from].ids, a.id, p.index) };
      return {
        ...b,
        pending,
        cards: { ...b.cards, [a.id]: p.before },
        columns,
        summary: now ? shift(b.summary, p.before, now.status, p.from) : b.summary,
      };
    }

    case 'lead/upsert': {
      const card = toCard(a.lead);
      if (!card || b.pending[card.id]) return b;
      const have = b.cards[card.id];
      if (have && have.version > card.version) return b;
      const at = columnOf(b, card.id);
      if (!matchesFilters(card, a.filters)) {
        if (!at && !have) return b;
        const { [card.id]: _, ...cards } = b.cards;
        return { ...b, cards, columns: withoutId(b, card.id) };
      }
      const cards = { ...b.cards, [card.id]: card };
      if (at === card.status) return { ...b, cards, sources: withSources(b.sources, [card]) };
      const columns = withoutId(b, card.id);
      columns[card.status] = { ...columns[card.status], ids: insert(columns[card.status].ids, card.id, 0) };
      return { ...b, cards, columns, sources: withSources(b.sources, [card]) };
    }

    case 'lead/remove': {
      if (!b.cards[a.id]) return b;
      const { [a.id]: _, ...cards } = b.cards;
      const { [a.id]: __, ...pending } = b.pending;
      return { ...b, cards, pending, columns: withoutId(b, a.id) };
    }
  }
}

/** The ids of each column, in display order (for the keyboard model). */
export function grid(b: Board): Record<LeadStatus, string[]> {
  const g = {} as Record<LeadStatus, string[]>;
  for (const s of STATUSES) g[s] = b.columns[s].ids;
  return g;
}

/** The total of a column in the summary, or what is loaded until it comes. */
export function columnCount(b: Board, s: LeadStatus): number {
  return b.summary ? b.summary[s].leads : b.columns[s].ids.length;
}

/**
 * leadInput is the body of PUT /leads/{id} for a lead with some fields
 * changed: every field of LeadInput, nothing else (the schema refuses
 * unknown fields).
 */
export function leadInput(lead: Lead, patch: Partial<LeadInput> = {}): LeadInput {
  const m = { ...lead, ...patch };
  return {
    name: m.name,
    email: m.email || null,
    phone: m.phone || null,
    company: m.company || null,
    ...(m.source ? { source: m.source } : {}),
    value: m.value ?? null,
    notes: m.notes || null,
  };
}

const FIELD_LABEL: Record<keyof LeadInput, string> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  source: 'source',
  value: 'value',
  notes: 'notes',
};

/** changedFields names the fields that differ between two versions of a lead (for a 412's notice). */
export function changedFields(a: Lead, b: Lead): string[] {
  const x = leadInput(a);
  const y = leadInput(b);
  const out: string[] = [];
  for (const k of Object.keys(FIELD_LABEL) as (keyof LeadInput)[]) {
    if (JSON.stringify(x[k] ?? null) !== JSON.stringify(y[k] ?? null)) out.push(FIELD_LABEL[k]);
  }
  if (a.status !== b.status) out.push('stage');
  return out;
}

/** "name", "name and email", "name, email and phone". */
export function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
