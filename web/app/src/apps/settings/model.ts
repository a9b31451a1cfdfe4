// The settings app's logic, free of React: who may change which role, the
// API token scopes and the "shown once" flow of a new token's secret, n8n
// subscription patterns, and the follow-up cadence editor.
import type { Meta, Schemas } from '../../lib/types';

export type Role = Schemas['Role'];
export type Member = Schemas['Member'];
export type Scope = Schemas['Scope'];
export type Token = Schemas['Token'];
export type Subscription = Schemas['Subscription'];
export type SalesSettings = Schemas['SalesSettings'];

// --- Paging -------------------------------------------------------------------

/**
 * collect reads every page of a list (meta.next_cursor), up to maxPages of
 * them; `more` says pages were left.
 */
export async function collect<T>(
  page: (cursor: string | undefined) => Promise<{ data: T[] | undefined; meta: Meta }>,
  maxPages = 20,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const { data, meta } = await page(cursor);
    items.push(...(data ?? []));
    if (!meta.next_cursor) return { items, more: false };
    cursor = meta.next_cursor;
  }
  return { items, more: true };
}

// --- Members and roles (the rules of services/core/member.go) ------------------

export const roles: readonly Role[] = ['owner', 'admin', 'member'];

export const roleInfo: Record<Role, { label: string; about: string }> = {
  owner: { label: 'Owner', about: 'Manages everything, including other owners.' },
  admin: { label: 'Admin', about: 'Manages members, API tokens, integrations and settings; not owners.' },
  member: { label: 'Member', about: 'Works with leads, the Brief and the site; manages nothing.' },
};

/** manages says whether a role may manage members, tokens, integrations and settings. */
export const manages = (role: Role | undefined): boolean => role === 'owner' || role === 'admin';

/** ownerCount counts the owners of a member list. */
export const ownerCount = (members: readonly Member[]): number => members.filter((m) => m.role === 'owner').length;

/** grantable is what roles `actor` may give (when adding someone, or changing a role). */
export function grantable(actor: Role | undefined): Role[] {
  if (actor === 'owner') return ['owner', 'admin', 'member'];
  if (actor === 'admin') return ['admin', 'member'];
  return [];
}

/**
 * whyNotChange says why `actor` may not give `target` the role `to`, or
 * null when they may (the server checks the same; this spares a refusal).
 */
export function whyNotChange(actor: Role | undefined, target: Member, to: Role, owners: number): string | null {
  if (!manages(actor)) return 'Only owners and admins can change roles.';
  if (target.role === to) return null;
  if (target.role === 'owner' && actor !== 'owner') return 'Only an owner can change an owner’s role.';
  if (to === 'owner' && actor !== 'owner') return 'Only an owner can make someone an owner.';
  if (target.role === 'owner' && owners <= 1) return 'The organisation must keep at least one owner: make someone else an owner first.';
  return null;
}

/** whyNotRemove says why `actor` may not remove `target` (self: leave), or null when they may. */
export function whyNotRemove(actor: Role | undefined, target: Member, self: boolean, owners: number): string | null {
  if (!self && !manages(actor)) return 'Only owners and admins can remove members.';
  if (target.role === 'owner') {
    if (!self && actor !== 'owner') return 'Only an owner can remove an owner.';
    if (owners <= 1) return 'The organisation must keep at least one owner: make someone else an owner first.';
  }
  return null;
}

/** withRole is the list with one member's role changed (for an optimistic update and its undo). */
export function withRole(members: readonly Member[], userId: string, role: Role): Member[] {
  return members.map((m) => (m.user_id === userId ? { ...m, role } : m));
}

/** Owners first, then admins, then members; by e-mail within a role. */
export function byRole(a: Member, b: Member): number {
  return roles.indexOf(a.role) - roles.indexOf(b.role) || a.email.localeCompare(b.email);
}

// --- API tokens ---------------------------------------------------------------

/** Every scope of the contract (Scope), in the order the form shows them. */
export const allScopes = [
  'leads:read',
  'leads:write',
  'brief:read',
  'brief:write',
  'site:read',
  'site:write',
  'media:read',
  'media:write',
  'members:read',
  'members:write',
  'integrations:read',
  'integrations:write',
  'orgs:read',
  'workflows:start',
] as const satisfies readonly Scope[];

// A scope added to the contract and missing above fails to compile here.
type MissingScope = Exclude<Scope, (typeof allScopes)[number]>;
const everyScopeListed: [MissingScope] extends [never] ? true : MissingScope = true;
void everyScopeListed;

export interface ScopeArea {
  area: string;
  label: string;
  about: string;
  scopes: Scope[];
}

const areaInfo: Record<string, [string, string]> = {
  leads: ['Leads', 'Leads, their activities and follow-ups'],
  brief: ['Brief', 'The Universal Brief and its proposals'],
  site: ['Site', 'Sites, pages and publishing'],
  media: ['Media', 'Uploaded images and files'],
  members: ['Members', 'Who belongs to the organisation'],
  integrations: ['Integrations', 'n8n subscriptions'],
  orgs: ['Organisation', 'The organisation itself'],
  workflows: ['Workflows', 'Start registered workflows (n8n → Xentri)'],
};

/** scopeAreas groups the scopes by what they act on: one row of the form each. */
export const scopeAreas: ScopeArea[] = allScopes.reduce<ScopeArea[]>((out, s) => {
  const area = s.slice(0, s.indexOf(':'));
  let row = out.find((r) => r.area === area);
  if (!row) {
    const [label, about] = areaInfo[area] ?? [area, ''];
    row = { area, label, about, scopes: [] };
    out.push(row);
  }
  row.scopes.push(s);
  return out;
}, []);

/** The verb of a scope: read, write, start. */
export const scopeVerb = (s: Scope): string => s.slice(s.indexOf(':') + 1);

/**
 * toggleScope turns a scope on or off. Turning a write scope on turns its
 * read scope on too (writing without reading is rarely what is meant); the
 * read scope can still be turned off after.
 */
export function toggleScope(selected: readonly Scope[], s: Scope, on: boolean): Scope[] {
  const set = new Set(selected);
  if (on) {
    set.add(s);
    const read = s.replace(/:write$/, ':read') as Scope;
    if (read !== s && (allScopes as readonly string[]).includes(read)) set.add(read);
  } else set.delete(s);
  return allScopes.filter((x) => set.has(x));
}

export type NewToken = Token & { token: string };

/**
 * The token form's flow. The secret exists in one state only, `created`,
 * and leaving it (done) drops it: it is shown once, never stored, never
 * put in the list (which holds tokens without their secret).
 */
export type TokenFlow =
  | { step: 'form'; error?: string; fields?: Record<string, string> }
  | { step: 'creating' }
  | { step: 'created'; token: Token; secret: string; copied: boolean };

export type TokenFlowAction =
  | { type: 'submit' }
  | { type: 'created'; token: NewToken }
  | { type: 'failed'; error: string; fields?: Record<string, string> }
  | { type: 'copied' }
  | { type: 'done' };

export function tokenFlow(s: TokenFlow, a: TokenFlowAction): TokenFlow {
  switch (a.type) {
    case 'submit':
      return { step: 'creating' };
    case 'created': {
      const { token: secret, ...token } = a.token;
      return { step: 'created', token, secret, copied: false };
    }
    case 'failed':
      return { step: 'form', error: a.error, fields: a.fields };
    case 'copied':
      return s.step === 'created' ? { ...s, copied: true } : s;
    case 'done':
      return { step: 'form' };
  }
}

/** withoutSecret is a new token as the list keeps it. */
export function withoutSecret(t: NewToken): Token {
  const { token: _secret, ...rest } = t;
  return rest;
}

// --- n8n subscriptions (the rules of internal/n8n ValidatePattern/URL) -----------

/** checkPattern says what is wrong with an event pattern, or null ("xentri.lead.*", "*", an event type). */
export function checkPattern(p: string): string | null {
  if (p === '*') return null;
  if (!p) return 'Enter an event type, or a pattern such as xentri.lead.*';
  if (p.length > 200) return 'A pattern has at most 200 characters.';
  const segs = p.split('.');
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg === '*' && i === segs.length - 1 && i > 0) continue;
    if (!/^[a-z0-9_-]+$/.test(seg)) {
      return seg.includes('*')
        ? 'Use * only as the whole last part (xentri.lead.*), or alone for every event.'
        : 'Use lowercase letters, digits, - and _ between the dots (xentri.lead.created.v1).';
    }
  }
  return null;
}

/** checkWebhookURL says what is wrong with a webhook address, or null (the server also checks it is public). */
export function checkWebhookURL(raw: string): string | null {
  if (!raw) return 'Enter the address of your n8n Webhook node.';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'Enter a full address, starting with https://';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'The address must start with https:// (or http://).';
  if (u.username || u.password) return 'Leave the user name and password out of the address.';
  if (raw.includes('#')) return 'The address cannot have a # part.';
  return null;
}

/**
 * secretOf finds a signing secret in what POST /integrations/n8n/subscriptions
 * answered. The contract's Subscription has none today (deliveries are
 * signed with the server's XENTRI_N8N_SECRET); when the API starts to
 * return one, the screen shows it once.
 */
export function secretOf(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  for (const k of ['secret', 'signing_secret']) {
    if (typeof d[k] === 'string' && d[k]) return d[k] as string;
  }
  return null;
}

// --- The follow-up cadence -------------------------------------------------------

/** The contract's bounds of followup_cadence_days (PUT /api/v1/settings/sales). */
export const cadenceBounds = { minDays: 1, maxDays: 20, minDay: 1, maxDay: 365 } as const;

export type CadenceCheck = { ok: true; days: number[] } | { ok: false; error: string };

/**
 * parseCadence reads "1, 3, 7" (commas, spaces or semicolons; brackets
 * allowed) into strictly increasing whole days from 1 to 365, 1 to 20 of
 * them, as the contract requires.
 */
export function parseCadence(text: string): CadenceCheck {
  const parts = text
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(/[\s,;]+/)
    .filter(Boolean);
  const { minDays, maxDays, minDay, maxDay } = cadenceBounds;
  if (parts.length < minDays) return { ok: false, error: 'Enter at least one day, such as 1, 3, 7.' };
  if (parts.length > maxDays) return { ok: false, error: `At most ${maxDays} follow-ups (you entered ${parts.length}).` };
  const days: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return { ok: false, error: `“${p}” is not a whole number of days.` };
    const d = Number(p);
    if (d < minDay || d > maxDay) return { ok: false, error: `Days go from ${minDay} to ${maxDay}; ${d} is outside.` };
    const prev = days[days.length - 1];
    if (prev !== undefined && d === prev) return { ok: false, error: `Day ${d} is there twice.` };
    if (prev !== undefined && d < prev) {
      const sorted = [...new Set(parts.map(Number))].sort((a, b) => a - b);
      return { ok: false, error: `Each day must come after the one before: ${sorted.join(', ')}?` };
    }
    days.push(d);
  }
  return { ok: true, days };
}

/** formatCadence writes days the way the editor reads them: "1, 3, 7". */
export const formatCadence = (days: readonly number[]): string => days.join(', ');

export const sourceInfo: Record<NonNullable<SalesSettings['source']>, { label: string; about: string }> = {
  brief: {
    label: 'From your Brief',
    about: 'Taken from the sales pipeline of your Universal Brief. It follows the Brief until someone sets it here.',
  },
  org: { label: 'Set by hand', about: 'Set here by an owner or an admin. Changes to the Brief no longer change it.' },
  default: { label: 'Default', about: 'Xentri’s default: neither your Brief nor anyone here has set a cadence yet.' },
};

/** cadenceSteps is each follow-up's day and the wait since the one before (null for the first). */
export function cadenceSteps(days: readonly number[]): { day: number; gap: number | null }[] {
  return days.map((day, i) => ({ day, gap: i === 0 ? null : day - days[i - 1]! }));
}
