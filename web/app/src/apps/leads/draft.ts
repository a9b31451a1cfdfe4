// A lead's form, as text: from a lead (toDraft), back to the API's input
// (fromDraft, with per-field errors), and merged with someone else's change
// after a 412 (rebase).
import { amountInput, parseAmount } from './format';
import type { Lead, LeadInput } from './model';

export interface Draft {
  name: string;
  email: string;
  phone: string;
  company: string;
  source: string;
  amount: string;
  currency: string;
  notes: string;
}

export const DRAFT_KEYS = ['name', 'email', 'phone', 'company', 'source', 'amount', 'currency', 'notes'] as const satisfies readonly (keyof Draft)[];

export function toDraft(lead: Lead | null | undefined, currency = 'EUR'): Draft {
  return {
    name: lead?.name ?? '',
    email: lead?.email ?? '',
    phone: lead?.phone ?? '',
    company: lead?.company ?? '',
    source: lead?.source ?? '',
    amount: amountInput(lead?.value),
    currency: lead?.value?.currency ?? currency,
    notes: lead?.notes ?? '',
  };
}

export type DraftErrors = Partial<Record<keyof Draft, string>>;

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** fromDraft checks a draft as the server would, and makes the API's input of it. */
export function fromDraft(d: Draft): { input: LeadInput; errors: null } | { input: null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = d.name.trim();
  if (!name) errors.name = 'Give the lead a name.';
  else if (name.length > 200) errors.name = 'At most 200 characters.';
  const email = d.email.trim();
  if (email && !EMAIL.test(email)) errors.email = 'That does not look like an e-mail address.';
  const amount = parseAmount(d.amount, d.currency);
  if (Number.isNaN(amount)) errors.amount = 'Write an amount, like 1200 or 1,250.50.';
  if (d.notes.length > 5000) errors.notes = 'At most 5,000 characters.';
  if (d.source.trim().length > 100) errors.source = 'At most 100 characters.';
  if (Object.keys(errors).length) return { input: null, errors };
  const input: LeadInput = {
    name,
    email: email || null,
    phone: d.phone.trim() || null,
    company: d.company.trim() || null,
    value: amount === null ? null : { amount: amount as number, currency: d.currency },
    notes: d.notes.trim() ? d.notes : null,
  };
  const source = d.source.trim();
  if (source) input.source = source;
  return { input, errors: null };
}

/** The draft keys someone changed from what they started with. */
export function edited(draft: Draft, base: Draft): (keyof Draft)[] {
  return DRAFT_KEYS.filter((k) => draft[k] !== base[k]);
}

/**
 * rebase merges a draft begun on `base` with `latest` (someone else's
 * version, or the one just saved): a field the user did not touch takes the
 * latest value; a field they edited keeps their edit. `conflicts` are the
 * fields both changed, differently.
 */
export function rebase(draft: Draft, base: Draft, latest: Draft): { draft: Draft; conflicts: (keyof Draft)[] } {
  const out = { ...draft };
  const conflicts: (keyof Draft)[] = [];
  for (const k of DRAFT_KEYS) {
    if (draft[k] === base[k]) out[k] = latest[k];
    else if (latest[k] !== base[k] && latest[k] !== draft[k]) conflicts.push(k);
  }
  return { draft: out, conflicts };
}

/** Map the server's field errors (a 400's `errors`) onto the draft's fields. */
export function serverErrors(fields: Record<string, string>): DraftErrors {
  const out: DraftErrors = {};
  for (const [k, v] of Object.entries(fields)) {
    const key = k === 'value' || k.startsWith('value.') ? (k.endsWith('currency') ? 'currency' : 'amount') : k;
    if ((DRAFT_KEYS as readonly string[]).includes(key)) out[key as keyof Draft] = v.charAt(0).toUpperCase() + v.slice(1) + '.';
  }
  return out;
}
