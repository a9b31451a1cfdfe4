// The page's blocks: a small description of each block type's fields
// (contracts/blocks/{type}.schema.json, kept to what the owner edits), from
// which the editor renders a form, checks it, and turns it into the data
// the API takes. Pure functions, no React.
//
// A block in the editor is a *draft*: the same shape as its data, but with
// every leaf a string (what an <input> holds), so a half-typed price or an
// empty optional link is representable. serialize() turns a draft into
// data that fits the schema; deserialize() does the reverse; validate()
// names what would not fit, with the server's keys (`items.0.title`).

export const BLOCK_TYPES = ['hero', 'rich_text', 'features', 'testimonials', 'gallery', 'cta', 'contact_form', 'pricing'] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

/** The link pattern of every href and src in the block schemas. */
export const LINK_PATTERN = /^(https?:\/\/|\/|#|mailto:|tel:)/;

interface Base {
  key: string;
  label: string;
  hint?: string;
}

export type Field =
  | (Base & { kind: 'text'; required?: boolean; max: number; multiline?: boolean; placeholder?: string; type?: 'email' | 'tel' })
  | (Base & { kind: 'markdown'; required: true; max: number })
  | (Base & { kind: 'href'; required?: boolean; placeholder?: string })
  | (Base & { kind: 'image-src'; required?: boolean })
  | (Base & { kind: 'money'; currencyKey: string })
  | (Base & { kind: 'currency' })
  | (Base & { kind: 'choices'; options: { value: string; label: string }[]; min: number })
  /** An object: omitted when optional and left empty; its fields required once any is filled. */
  | (Base & { kind: 'group'; optional: boolean; fields: Field[] })
  | (Base & { kind: 'list'; itemName: string; min: number; max: number; fields: Field[] });

export interface BlockSpec {
  type: BlockType;
  name: string;
  description: string;
  fields: Field[];
}

const link = (key: string, label: string, optional: boolean, hint?: string): Field => ({
  kind: 'group',
  key,
  label,
  optional,
  hint,
  fields: [
    { kind: 'text', key: 'label', label: 'Button text', required: true, max: 80, placeholder: 'Book a visit' },
    { kind: 'href', key: 'href', label: 'Link', required: true, placeholder: '/contact', hint: 'A page (/contact), a web address (https://…), mailto: or tel:' },
  ],
});

const image = (key: string, label: string, optional: boolean): Field => ({
  kind: 'group',
  key,
  label,
  optional,
  fields: [
    { kind: 'image-src', key: 'src', label: 'Image', required: true },
    { kind: 'text', key: 'alt', label: 'Description for screen readers', max: 300, hint: 'What the image shows, for people who cannot see it.' },
    { kind: 'text', key: 'caption', label: 'Caption', max: 300 },
  ],
});

const heading: Field = { kind: 'text', key: 'heading', label: 'Heading', max: 200 };

export const CONTACT_FIELDS = [
  { value: 'name', label: 'Name' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
  { value: 'company', label: 'Company' },
  { value: 'message', label: 'Message' },
];

export const BLOCK_SPECS: Record<BlockType, BlockSpec> = {
  hero: {
    type: 'hero',
    name: 'Hero',
    description: 'The opening of a page: a headline, a line under it, a button and an image.',
    fields: [
      { kind: 'text', key: 'headline', label: 'Headline', required: true, max: 200, placeholder: 'Fresh bread, baked at dawn' },
      { kind: 'text', key: 'subheadline', label: 'Subheadline', max: 500, multiline: true },
      link('cta', 'Button', true, 'Optional: leave both empty for no button.'),
      image('image', 'Image', true),
    ],
  },
  rich_text: {
    type: 'rich_text',
    name: 'Text',
    description: 'Paragraphs, headings and lists, written in Markdown.',
    fields: [
      {
        kind: 'markdown',
        key: 'markdown',
        label: 'Text',
        required: true,
        max: 20000,
        hint: 'Markdown: ## for a heading, **bold**, *italic*, - for a list, [text](/page) for a link.',
      },
    ],
  },
  features: {
    type: 'features',
    name: 'Features',
    description: 'Your services or strengths, each a title and a few words.',
    fields: [
      heading,
      {
        kind: 'list',
        key: 'items',
        label: 'Features',
        itemName: 'Feature',
        min: 1,
        max: 24,
        fields: [
          { kind: 'text', key: 'title', label: 'Title', required: true, max: 120 },
          { kind: 'text', key: 'description', label: 'Description', max: 1000, multiline: true },
        ],
      },
    ],
  },
  testimonials: {
    type: 'testimonials',
    name: 'Testimonials',
    description: 'What your customers say about you.',
    fields: [
      heading,
      {
        kind: 'list',
        key: 'items',
        label: 'Testimonials',
        itemName: 'Testimonial',
        min: 1,
        max: 24,
        fields: [
          { kind: 'text', key: 'quote', label: 'Quote', required: true, max: 1000, multiline: true },
          { kind: 'text', key: 'author', label: 'Who said it', required: true, max: 120 },
          { kind: 'text', key: 'role', label: 'Their role or company', max: 120 },
        ],
      },
    ],
  },
  gallery: {
    type: 'gallery',
    name: 'Gallery',
    description: 'A grid of images.',
    fields: [
      heading,
      {
        kind: 'list',
        key: 'images',
        label: 'Images',
        itemName: 'Image',
        min: 1,
        max: 48,
        fields: [
          { kind: 'image-src', key: 'src', label: 'Image', required: true },
          { kind: 'text', key: 'alt', label: 'Description for screen readers', max: 300 },
          { kind: 'text', key: 'caption', label: 'Caption', max: 300 },
        ],
      },
    ],
  },
  cta: {
    type: 'cta',
    name: 'Call to action',
    description: 'A heading, a sentence and a button that asks visitors to act.',
    fields: [
      { kind: 'text', key: 'heading', label: 'Heading', required: true, max: 200, placeholder: 'Ready for your order?' },
      { kind: 'text', key: 'text', label: 'Text', max: 1000, multiline: true },
      link('button', 'Button', false),
    ],
  },
  contact_form: {
    type: 'contact_form',
    name: 'Contact form',
    description: "A form whose messages arrive in Leads.",
    fields: [
      heading,
      { kind: 'text', key: 'intro', label: 'Introduction', max: 1000, multiline: true },
      { kind: 'choices', key: 'fields', label: 'Fields visitors fill in', options: CONTACT_FIELDS, min: 1 },
      { kind: 'text', key: 'submit_label', label: 'Button text', max: 60, placeholder: 'Send' },
      { kind: 'text', key: 'email', label: 'Email shown beside the form', max: 254, type: 'email' },
      { kind: 'text', key: 'phone', label: 'Phone shown beside the form', max: 50, type: 'tel' },
    ],
  },
  pricing: {
    type: 'pricing',
    name: 'Pricing',
    description: 'Your prices or plans.',
    fields: [
      heading,
      {
        kind: 'list',
        key: 'plans',
        label: 'Prices',
        itemName: 'Price',
        min: 1,
        max: 24,
        fields: [
          { kind: 'text', key: 'label', label: 'Name', required: true, max: 200 },
          { kind: 'money', key: 'amount', label: 'Price', currencyKey: 'currency' },
          { kind: 'currency', key: 'currency', label: 'Currency' },
          { kind: 'text', key: 'description', label: 'Description', max: 1000, multiline: true },
          link('cta', 'Button', true, 'Optional.'),
        ],
      },
    ],
  },
};

export function isBlockType(t: string): t is BlockType {
  return (BLOCK_TYPES as readonly string[]).includes(t);
}

// --- Drafts -----------------------------------------------------------------

export type Draft = string | string[] | DraftObject | DraftObject[];
export interface DraftObject {
  [key: string]: Draft;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How many decimals a currency's amounts have (JPY 0, EUR 2); 2 when unknown. */
export function currencyDigits(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) return 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount in minor units as the owner types it: 2900 EUR -> "29", 2950 -> "29.50". */
export function formatMinor(amount: number, currency: string): string {
  const digits = currencyDigits(currency);
  const major = amount / 10 ** digits;
  return Number.isInteger(major) ? String(major) : major.toFixed(digits);
}

/** What the owner typed as an amount in minor units ("29.5" EUR -> 2950), or null when it is not one. */
export function parseMinor(text: string, currency: string): number | null {
  const t = text.trim().replace(/\s/g, '').replace(/,(\d{1,2})$/, '.$1').replace(/,/g, '');
  const digits = currencyDigits(currency);
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const [whole = '0', frac = ''] = t.split('.');
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
}

function draftOf(fields: Field[], data: JsonObject, fresh: boolean): DraftObject {
  const out: DraftObject = {};
  for (const f of fields) {
    const v = data[f.key];
    switch (f.kind) {
      case 'money': {
        const cur = typeof data[f.currencyKey] === 'string' ? (data[f.currencyKey] as string) : '';
        out[f.key] = typeof v === 'number' ? formatMinor(v, cur) : typeof v === 'string' ? v : '';
        break;
      }
      case 'choices':
        out[f.key] = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fresh ? ['name', 'email', 'message'] : [];
        break;
      case 'group':
        out[f.key] = draftOf(f.fields, isObject(v) ? v : {}, fresh);
        break;
      case 'list': {
        const items = Array.isArray(v) ? v.filter(isObject) : [];
        out[f.key] = items.length > 0 ? items.map((it) => draftOf(f.fields, it, false)) : Array.from({ length: f.min }, () => emptyItem(f));
        break;
      }
      default:
        out[f.key] = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
    }
  }
  return out;
}

/** A new, empty item of a list field. */
export function emptyItem(list: Extract<Field, { kind: 'list' }>): DraftObject {
  return draftOf(list.fields, {}, true);
}

/** The draft of a block's data, for the form. */
export function deserialize(type: BlockType, data: unknown): DraftObject {
  return draftOf(BLOCK_SPECS[type].fields, isObject(data) ? data : {}, false);
}

/** A new block's draft. */
export function newDraft(type: BlockType): DraftObject {
  return draftOf(BLOCK_SPECS[type].fields, {}, true);
}

const str = (d: Draft | undefined): string => (typeof d === 'string' ? d : '');
const obj = (d: Draft | undefined): DraftObject => (d && typeof d === 'object' && !Array.isArray(d) ? d : {});
const objs = (d: Draft | undefined): DraftObject[] => (Array.isArray(d) ? d.filter((x): x is DraftObject => typeof x === 'object') : []);
const strs = (d: Draft | undefined): string[] => (Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string') : []);

/** Whether every leaf of a draft is empty (an optional group left alone). */
export function isEmptyDraft(d: Draft | undefined): boolean {
  if (d === undefined) return true;
  if (typeof d === 'string') return d.trim() === '';
  if (Array.isArray(d)) return d.every((x) => isEmptyDraft(x));
  return Object.values(d).every((x) => isEmptyDraft(x));
}

function dataOf(fields: Field[], draft: DraftObject): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) {
    const v = draft[f.key];
    switch (f.kind) {
      case 'text':
      case 'href':
      case 'image-src': {
        const s = f.kind === 'text' ? str(v) : str(v).trim();
        if (s.trim() !== '' || f.required) out[f.key] = s;
        break;
      }
      case 'markdown':
        out[f.key] = str(v);
        break;
      case 'money': {
        const cur = str(draft[f.currencyKey]).trim().toUpperCase();
        const n = parseMinor(str(v), cur);
        out[f.key] = n ?? str(v); // not a number: the check (and the server) name it
        break;
      }
      case 'currency':
        out[f.key] = str(v).trim().toUpperCase();
        break;
      case 'choices': {
        const picked = strs(v);
        out[f.key] = f.options.map((o) => o.value).filter((o) => picked.includes(o));
        break;
      }
      case 'group':
        if (!(f.optional && isEmptyDraft(v))) out[f.key] = dataOf(f.fields, obj(v));
        break;
      case 'list':
        out[f.key] = objs(v).map((it) => dataOf(f.fields, it));
        break;
    }
  }
  return out;
}

/** The data of a block, from its draft, in the shape of its schema. */
export function serialize(type: BlockType, draft: DraftObject): Record<string, unknown> {
  return dataOf(BLOCK_SPECS[type].fields, draft);
}

// --- Checking ---------------------------------------------------------------

const length = (s: string) => [...s].length;

/** The field descriptions' rules, checked on a draft; keys as the server names them (items.0.title). */
function check(fields: Field[], draft: DraftObject, at: string, out: Record<string, string>): void {
  const key = (k: string) => (at ? `${at}.${k}` : k);
  for (const f of fields) {
    const v = draft[f.key];
    switch (f.kind) {
      case 'text':
      case 'markdown': {
        const s = str(v);
        if (f.required && s.trim() === '') out[key(f.key)] = 'is required';
        else if (length(s) > f.max) out[key(f.key)] = `must be at most ${f.max} characters`;
        break;
      }
      case 'href':
      case 'image-src': {
        const s = str(v).trim();
        if (s === '') {
          if (f.required) out[key(f.key)] = f.kind === 'image-src' ? 'is required: choose an image' : 'is required';
        } else if (length(s) > 2048) out[key(f.key)] = 'must be at most 2048 characters';
        else if (!LINK_PATTERN.test(s)) out[key(f.key)] = 'must start with https://, /, #, mailto: or tel:';
        break;
      }
      case 'money': {
        const s = str(v);
        const n = parseMinor(s, str(draft[f.currencyKey]).trim().toUpperCase());
        if (s.trim() === '') out[key(f.key)] = 'is required';
        else if (n === null) out[key(f.key)] = 'must be an amount, such as 29 or 29.50';
        else if (n > 1e12) out[key(f.key)] = 'is too large';
        break;
      }
      case 'currency':
        if (!/^[A-Z]{3}$/.test(str(v).trim().toUpperCase())) out[key(f.key)] = 'must be a three-letter code, such as EUR or USD';
        break;
      case 'choices':
        if (strs(v).length < f.min) out[key(f.key)] = `needs at least ${f.min} ticked`;
        break;
      case 'group':
        if (!(f.optional && isEmptyDraft(v))) check(f.fields, obj(v), key(f.key), out);
        break;
      case 'list': {
        const items = objs(v);
        if (items.length < f.min) out[key(f.key)] = `needs at least ${f.min} ${f.itemName.toLowerCase()}`;
        else if (items.length > f.max) out[key(f.key)] = `holds at most ${f.max}`;
        items.forEach((it, i) => check(f.fields, it, key(`${f.key}.${i}`), out));
        break;
      }
    }
  }
}

/** What is wrong with a block's draft, by field key ("headline", "items.0.title"); empty when it fits. */
export function validate(type: BlockType, draft: DraftObject): Record<string, string> {
  const out: Record<string, string> = {};
  check(BLOCK_SPECS[type].fields, draft, '', out);
  return out;
}

/** Every key a block's form shows an input (or a group) for, so an error can find its place. */
export function fieldKeys(type: BlockType, draft: DraftObject): Set<string> {
  const out = new Set<string>();
  const walk = (fields: Field[], d: DraftObject, at: string) => {
    for (const f of fields) {
      const k = at ? `${at}.${f.key}` : f.key;
      out.add(k);
      if (f.kind === 'group') walk(f.fields, obj(d[f.key]), k);
      if (f.kind === 'list') objs(d[f.key]).forEach((it, i) => walk(f.fields, it, `${k}.${i}`));
    }
  };
  walk(BLOCK_SPECS[type].fields, draft, '');
  return out;
}

// --- Editing a draft ----------------------------------------------------------

export type PathPart = string | number;

/** The draft with the value at path replaced (immutably). */
export function setIn(draft: DraftObject, path: PathPart[], value: Draft): DraftObject {
  const [head, ...rest] = path;
  if (head === undefined) return draft;
  const go = (node: Draft | undefined, p: PathPart[]): Draft => {
    const [k, ...more] = p;
    if (k === undefined) return value;
    if (typeof k === 'number') {
      const arr = Array.isArray(node) ? ([...node] as Draft[]) : [];
      arr[k] = go(arr[k], more);
      return arr as Draft;
    }
    const o = obj(node);
    return { ...o, [k]: go(o[k], more) };
  };
  return go(draft, [head, ...rest]) as DraftObject;
}

/** The value at path, or undefined. */
export function getIn(draft: Draft, path: PathPart[]): Draft | undefined {
  let node: Draft | undefined = draft;
  for (const k of path) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = typeof k === 'number' ? (Array.isArray(node) ? (node[k] as Draft | undefined) : undefined) : Array.isArray(node) ? undefined : node[k];
  }
  return node;
}

/** A list moved: the item at `from` now at `from + delta` (no-op past either end). */
export function move<T>(list: readonly T[], from: number, delta: number): T[] {
  const to = from + delta;
  if (from < 0 || from >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item as T);
  return out;
}

/** A list with item inserted at index (clamped). */
export function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const out = [...list];
  out.splice(Math.max(0, Math.min(index, out.length)), 0, item);
  return out;
}

/** A list without the item at index. */
export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** A one-line summary of a block for its collapsed header ("Fresh bread, baked at dawn"). */
export function blockSummary(type: BlockType, draft: DraftObject): string {
  const first = (...keys: string[]) => keys.map((k) => str(draft[k]).trim()).find(Boolean) ?? '';
  switch (type) {
    case 'hero':
      return first('headline');
    case 'rich_text': {
      const line = str(draft.markdown).split('\n').map((l) => l.replace(/^[#>*\-\s]+/, '').trim()).find(Boolean) ?? '';
      return line.replace(/[*_`[\]]/g, '');
    }
    case 'features':
    case 'testimonials': {
      const n = objs(draft.items).length;
      return [first('heading'), `${n} ${n === 1 ? 'item' : 'items'}`].filter(Boolean).join(' · ');
    }
    case 'gallery': {
      const n = objs(draft.images).length;
      return [first('heading'), `${n} ${n === 1 ? 'image' : 'images'}`].filter(Boolean).join(' · ');
    }
    case 'pricing': {
      const n = objs(draft.plans).length;
      return [first('heading'), `${n} ${n === 1 ? 'price' : 'prices'}`].filter(Boolean).join(' · ');
    }
    case 'cta':
    case 'contact_form':
      return first('heading');
  }
}
