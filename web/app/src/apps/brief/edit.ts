// Editing a section by hand: each field as a draft the form holds (text,
// a location's parts, rows of prices), read back into the field's shape,
// and saved with If-Match so that a change made meanwhile (the co-pilot, a
// teammate, another tab) is not overwritten: that is a 412, after which
// the form keeps what the owner changed on top of the Brief as it now is.
import { api, ApiError } from '../../lib/api';
import type { operations } from '../../generated/openapi';
import { valueItems, type Brief, type BriefField, type FieldKind } from './vocab';

export type SectionId = operations['editBriefSection']['parameters']['path']['sectionId'];

export interface PriceRow {
  label: string;
  amount: string;
  currency: string;
}

export type Draft =
  | { type: 'text'; text: string }
  | { type: 'location'; city: string; region: string; country: string }
  | { type: 'prices'; rows: PriceRow[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** The draft of a value, as its field's form shows it. */
export function toDraft(kind: FieldKind, value: unknown): Draft {
  switch (kind) {
    case 'location': {
      const v = isObject(value) ? value : {};
      const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '');
      return { type: 'location', city: s('city'), region: s('region'), country: s('country') };
    }
    case 'price_points': {
      const rows = Array.isArray(value)
        ? value.filter(isObject).map((p) => {
            const currency = typeof p.currency === 'string' ? p.currency : 'USD';
            const amount = typeof p.amount === 'number' ? (p.amount / 10 ** minorDigits(currency)).toFixed(minorDigits(currency)) : '';
            return { label: typeof p.label === 'string' ? p.label : '', amount, currency };
          })
        : [];
      return { type: 'prices', rows };
    }
    case 'strings':
      return { type: 'text', text: Array.isArray(value) ? value.join('\n') : value == null ? '' : String(value) };
    case 'integers':
      return { type: 'text', text: Array.isArray(value) ? value.join(', ') : value == null ? '' : String(value) };
    case 'string':
    case 'integer':
      return { type: 'text', text: value == null ? '' : String(value) };
    default:
      return { type: 'text', text: value == null ? '' : JSON.stringify(value) };
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const MAX_INT = 1_000_000_000;

function wholeNumber(s: string): number | null {
  const t = s.trim().replace(/[\s,_](?=\d{3}\b)/g, '');
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n <= MAX_INT ? n : null;
}

/**
 * fromDraft reads a draft back into the field's shape: null when it is
 * empty (the PUT removes the field), or what is wrong with it.
 */
export function fromDraft(kind: FieldKind, draft: Draft): Parsed {
  if (draft.type === 'location') {
    const loc: Record<string, string> = {};
    for (const k of ['city', 'region', 'country'] as const) if (draft[k].trim()) loc[k] = draft[k].trim();
    return { ok: true, value: Object.keys(loc).length ? loc : null };
  }
  if (draft.type === 'prices') {
    const rows = draft.rows.filter((r) => r.label.trim() || r.amount.trim());
    if (!rows.length) return { ok: true, value: null };
    const out = [];
    for (const r of rows) {
      const currency = r.currency.trim().toUpperCase();
      if (!r.label.trim()) return { ok: false, error: 'Give each price a name.' };
      if (!/^[A-Z]{3}$/.test(currency)) return { ok: false, error: `"${r.currency}" is not a currency code such as USD or EUR.` };
      const amount = r.amount.trim().replace(/^[^\d]+/, '').replace(',', '.');
      if (!/^\d+(\.\d+)?$/.test(amount)) return { ok: false, error: `"${r.amount}" is not a price.` };
      out.push({ label: r.label.trim(), amount: Math.round(Number(amount) * 10 ** minorDigits(currency)), currency });
    }
    return { ok: true, value: out };
  }
  const text = draft.text.trim();
  if (!text) return { ok: true, value: null };
  switch (kind) {
    case 'string':
      return text.length > 2000 ? { ok: false, error: 'Keep it under 2,000 characters.' } : { ok: true, value: text };
    case 'integer': {
      const n = wholeNumber(text);
      return n === null ? { ok: false, error: 'Enter a whole number.' } : { ok: true, value: n };
    }
    case 'strings': {
      const items = text.split('\n').map((s) => s.trim()).filter(Boolean);
      if (items.length > 50) return { ok: false, error: 'At most 50 entries.' };
      return { ok: true, value: items };
    }
    case 'integers': {
      const parts = text.split(/[\s,;]+/).filter(Boolean);
      const nums = parts.map(wholeNumber);
      if (nums.some((n) => n === null)) return { ok: false, error: 'Enter whole numbers separated by commas, such as 1, 3, 7.' };
      return { ok: true, value: nums };
    }
    default:
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: 'This value could not be read.' };
      }
  }
}

/** JSON equality, object keys in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon(a ?? null)) === JSON.stringify(canon(b ?? null));
}

export interface FieldForm {
  id: string;
  kind: FieldKind;
}

/**
 * changes is the PUT's `fields`: each field whose draft reads differently
 * from the Brief's value (null removes one), or the errors by field.
 */
export function changes(
  forms: FieldForm[],
  drafts: Record<string, Draft>,
  current: Record<string, BriefField> | undefined,
): { fields: Record<string, unknown>; errors: Record<string, string> } {
  const fields: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of forms) {
    const d = drafts[f.id];
    if (!d) continue;
    const parsed = fromDraft(f.kind, d);
    if (!parsed.ok) {
      errors[f.id] = parsed.error;
      continue;
    }
    const before = current?.[f.id]?.value ?? null;
    if (!sameValue(parsed.value, before)) fields[f.id] = parsed.value;
  }
  return { fields, errors };
}

/** The drafts of a section's fields, from the Brief. */
export function draftsOf(forms: FieldForm[], current: Record<string, BriefField> | undefined): Record<string, Draft> {
  return Object.fromEntries(forms.map((f) => [f.id, toDraft(f.kind, current?.[f.id]?.value)]));
}

/**
 * rebase takes the drafts onto a newer Brief: the fields the owner changed
 * keep the owner's draft; the others show the newer values.
 */
export function rebase(
  forms: FieldForm[],
  drafts: Record<string, Draft>,
  dirty: ReadonlySet<string>,
  newer: Record<string, BriefField> | undefined,
): Record<string, Draft> {
  return Object.fromEntries(forms.map((f) => [f.id, dirty.has(f.id) && drafts[f.id] ? drafts[f.id]! : toDraft(f.kind, newer?.[f.id]?.value)]));
}

/** The ETag GET /brief answers for a version, which the PUT takes in If-Match. */
export const etagOf = (version: number): string => `"v${version}"`;

export type SaveResult = { kind: 'saved'; brief: Brief } | { kind: 'conflict' };

/**
 * saveSection PUTs a section's changed fields with If-Match on the version
 * the edit is based on. A 412 (the Brief changed meanwhile) is a conflict
 * for the caller to resolve (reload, keep the owner's changes); anything
 * else that fails is thrown (an ApiError: its `fields` say what is wrong).
 */
export async function saveSection(sectionId: SectionId, fields: Record<string, unknown>, version: number): Promise<SaveResult> {
  try {
    const { data } = await api.put('/api/v1/brief/sections/{sectionId}', {
      path: { sectionId },
      body: { fields },
      headers: { 'If-Match': etagOf(version) },
    });
    return { kind: 'saved', brief: data };
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) return { kind: 'conflict' };
    throw e;
  }
}

/** How a draft reads, for a summary ("3 entries"). */
export const draftItems = (kind: FieldKind, draft: Draft): string[] => {
  const p = fromDraft(kind, draft);
  return p.ok ? valueItems(p.value, kind) : [];
};
