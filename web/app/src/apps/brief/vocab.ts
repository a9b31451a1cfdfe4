// The Brief's vocabulary, shared by the Brief and Co-pilot apps: its
// sections and fields (read from GET /api/v1/brief/schema, the JSON Schema
// of contracts/brief.schema.json), their titles for people, and how each
// kind of value reads.
//
// The schema names sections, fields and each field's kind (its value's
// $ref: string, integer, strings, integers, location, price_points) but no
// titles for people: those are here, with a fallback that turns an unknown
// id into words ("follow_up_days" -> "Follow up days").
import type { Schemas } from '../../lib/types';

export type FieldKind = 'string' | 'integer' | 'strings' | 'integers' | 'location' | 'price_points' | 'unknown';

export interface FieldSpec {
  id: string;
  title: string;
  kind: FieldKind;
  description?: string;
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: FieldSpec[];
}

/** One span of the owner's words a value was read from (contract: BriefField.sources). */
export type Source = NonNullable<Schemas['BriefField']['sources']>[number];
export type BriefField = Schemas['BriefField'];
export type Brief = Schemas['Brief'];

const sectionTitles: Record<string, string> = {
  identity: 'Identity',
  offerings: 'Offerings',
  audience: 'Audience',
  goals: 'Goals',
  brand_voice: 'Brand voice',
  differentiators: 'What sets you apart',
  sales: 'Sales',
  contact: 'Contact',
};

const fieldTitles: Record<string, string> = {
  'identity.business_name': 'Business name',
  'identity.industry': 'Industry',
  'identity.location': 'Location',
  'identity.founded_year': 'Year founded',
  'identity.team_size': 'Team size',
  'offerings.products': 'Products and services',
  'offerings.price_points': 'Prices',
  'audience.segments': 'Customers',
  'goals.goals': 'Goals',
  'brand_voice.tone': 'Tone',
  'brand_voice.avoid': 'Words to avoid',
  'differentiators.points': 'Why customers choose you',
  'sales.follow_up_days': 'Follow-up cadence',
  'contact.email': 'Email',
  'contact.phone': 'Phone',
  'contact.website': 'Website',
};

/** "follow_up_days" -> "Follow up days". */
export function humanize(id: string): string {
  const words = id.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : id;
}

export const sectionTitle = (section: string): string => sectionTitles[section] ?? humanize(section);
export const fieldTitle = (section: string, field: string): string =>
  fieldTitles[`${section}.${field}`] ?? humanize(field);

const kinds: readonly FieldKind[] = ['string', 'integer', 'strings', 'integers', 'location', 'price_points'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The kind a field's JSON Schema names: the last segment of its value's $ref. */
function kindOf(fieldSchema: unknown): FieldKind {
  const refs: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if (typeof node.$ref === 'string') refs.push(node.$ref);
      walk(node.allOf);
      if (isObject(node.properties)) walk(node.properties.value);
    }
  };
  walk(fieldSchema);
  for (const ref of refs.reverse()) {
    const k = ref.split('/').pop() as FieldKind;
    if (kinds.includes(k)) return k;
  }
  return 'unknown';
}

/**
 * parseBriefSchema reads the sections and fields, in the schema's order,
 * from the JSON Schema GET /api/v1/brief/schema answers. A shape it does
 * not understand gives no sections (the apps then show what the Brief has).
 */
export function parseBriefSchema(schema: unknown): SectionSpec[] {
  if (!isObject(schema)) return [];
  const defs = isObject(schema.$defs) ? schema.$defs : {};
  const data = isObject(defs.data) ? defs.data : null;
  const props = data && isObject(data.properties) ? data.properties : null;
  const sections = props && isObject(props.sections) && isObject(props.sections.properties) ? props.sections.properties : null;
  if (!sections) return [];
  const out: SectionSpec[] = [];
  for (const [id, s] of Object.entries(sections)) {
    const fieldsNode = isObject(s) && isObject(s.properties) && isObject(s.properties.fields) ? s.properties.fields : null;
    const fields = fieldsNode && isObject(fieldsNode.properties) ? fieldsNode.properties : {};
    out.push({
      id,
      title: sectionTitle(id),
      fields: Object.entries(fields).map(([fid, f]) => ({
        id: fid,
        title: fieldTitle(id, fid),
        kind: kindOf(f),
        ...(isObject(f) && typeof f.description === 'string' ? { description: f.description } : {}),
      })),
    });
  }
  return out;
}

/** The kind of a value the schema does not describe, guessed from its shape. */
export function guessKind(value: unknown): FieldKind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'integer';
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return 'strings';
    if (value.every((v) => typeof v === 'number')) return 'integers';
    if (value.every((v) => isObject(v) && 'currency' in v)) return 'price_points';
  }
  if (isObject(value) && ('city' in value || 'region' in value || 'country' in value)) return 'location';
  return 'unknown';
}

export function findField(specs: SectionSpec[], section: string, field: string): FieldSpec {
  return (
    specs.find((s) => s.id === section)?.fields.find((f) => f.id === field) ?? {
      id: field,
      title: fieldTitle(section, field),
      kind: 'unknown',
    }
  );
}

// --- Values, for people -----------------------------------------------------------

/** A price in minor units as the currency writes it ("$8.50", "8,50 €"). */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  try {
    const f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(amount / 10 ** digits);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

/** ["a", "b", "c"] -> "a, b and c". */
export function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * valueItems is a value as the items a person reads: one for a scalar,
 * one per entry of a list (prices as "Sourdough · $8.50").
 */
export function valueItems(value: unknown, kind: FieldKind = guessKind(value), locale?: string): string[] {
  if (value === null || value === undefined) return [];
  const k = kind === 'unknown' ? guessKind(value) : kind;
  switch (k) {
    case 'string':
      return [String(value)];
    case 'integer':
      return [typeof value === 'number' ? value.toLocaleString(locale) : String(value)];
    case 'strings':
    case 'integers':
      return Array.isArray(value) ? value.map((v) => String(v)) : [String(value)];
    case 'location': {
      if (!isObject(value)) return [String(value)];
      const parts = ['city', 'region', 'country'].map((p) => value[p]).filter((p): p is string => typeof p === 'string' && p !== '');
      return parts.length ? [parts.join(', ')] : [];
    }
    case 'price_points':
      if (!Array.isArray(value)) return [String(value)];
      return value.map((p) =>
        isObject(p) && typeof p.amount === 'number' && typeof p.currency === 'string'
          ? `${String(p.label ?? '')} · ${formatMoney(p.amount, p.currency, locale)}`
          : JSON.stringify(p),
      );
    default:
      return [typeof value === 'string' ? value : JSON.stringify(value)];
  }
}

/** A value on one line, e.g. "Sourdough · $8.50, Croissant · $3.25". */
export function formatValue(value: unknown, kind?: FieldKind, section?: string, field?: string): string {
  // A year is a name, not a quantity: 2016, never "2,016".
  if (field?.endsWith('_year') && typeof value === 'number') return String(value);
  // An id of the industry taxonomy (services/brief/extract): gift_shop → Gift shop.
  if (section === 'identity' && field === 'industry' && typeof value === 'string' && /^[a-z_]+$/.test(value)) {
    const words = value.replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  const items = valueItems(value, kind);
  if (section === 'sales' && field === 'follow_up_days' && items.length) return `Day ${listing(items)} after a lead arrives`;
  return items.join(', ');
}

// --- Provenance -------------------------------------------------------------------

export type Confidence = 'high' | 'medium' | 'low';

export function confidenceLevel(c: number | undefined): Confidence {
  if (c === undefined || c >= 0.8) return 'high';
  return c >= 0.5 ? 'medium' : 'low';
}

export const confidenceLabel = (c: number | undefined): string =>
  c === undefined ? '' : `${Math.round(c * 100)}% sure`;

export function originLabel(origin: BriefField['origin']): string {
  switch (origin) {
    case 'user':
      return 'Set by you';
    case 'proposal':
      return 'From a proposal you accepted';
    default:
      return 'From your words';
  }
}

/** The sources of a value the contract types loosely (CopilotReply.understood[].sources). */
export function asSources(v: unknown): Source[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (s): s is Source => isObject(s) && typeof s.start === 'number' && typeof s.end === 'number',
  );
}

// --- Dates ------------------------------------------------------------------------

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 hours ago", "just now"; a date a week or more ago as the date. */
export function formatWhen(iso: string | undefined | null, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const secs = Math.round((t - now) / 1000);
  if (Math.abs(secs) < 60) return 'just now';
  if (Math.abs(secs) >= 7 * 24 * 3600) {
    return new Date(t).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(secs) >= size) return rtf.format(Math.round(secs / size), unit);
  }
  return 'just now';
}

/** The full date and time, for a title or a <time>. */
export const formatDateTime = (iso: string | undefined | null): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
