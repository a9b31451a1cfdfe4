import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_SPECS,
  BLOCK_TYPES,
  deserialize,
  fieldKeys,
  formatMinor,
  insertAt,
  move,
  newDraft,
  parseMinor,
  removeAt,
  serialize,
  setIn,
  validate,
  type BlockType,
  type DraftObject,
} from './blocks';

// --- A tiny JSON Schema check: what contracts/blocks/*.schema.json use -------------

type Schema = {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
};

function schemaErrors(s: Schema, v: unknown, at = ''): string[] {
  const out: string[] = [];
  const here = at || '(root)';
  if (s.enum && !s.enum.includes(v)) out.push(`${here}: not one of ${s.enum.join(',')}`);
  switch (s.type) {
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${here}: not an object`];
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) out.push(`${at}.${r}: missing`);
      for (const [k, x] of Object.entries(o)) {
        const p = s.properties?.[k];
        if (!p) {
          if (s.additionalProperties === false) out.push(`${at}.${k}: not allowed`);
          continue;
        }
        out.push(...schemaErrors(p, x, `${at}.${k}`));
      }
      break;
    }
    case 'array': {
      if (!Array.isArray(v)) return [`${here}: not an array`];
      if (s.minItems !== undefined && v.length < s.minItems) out.push(`${here}: fewer than ${s.minItems}`);
      if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${here}: more than ${s.maxItems}`);
      if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) out.push(`${here}: not unique`);
      v.forEach((x, i) => s.items && out.push(...schemaErrors(s.items, x, `${at}.${i}`)));
      break;
    }
    case 'string': {
      if (typeof v !== 'string') return [`${here}: not a string`];
      const n = [...v].length;
      if (s.minLength !== undefined && n < s.minLength) out.push(`${here}: shorter than ${s.minLength}`);
      if (s.maxLength !== undefined && n > s.maxLength) out.push(`${here}: longer than ${s.maxLength}`);
      if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) out.push(`${here}: does not match ${s.pattern}`);
      break;
    }
    case 'integer': {
      if (typeof v !== 'number' || !Number.isInteger(v)) return [`${here}: not an integer`];
      if (s.minimum !== undefined && v < s.minimum) out.push(`${here}: below ${s.minimum}`);
      if (s.maximum !== undefined && v > s.maximum) out.push(`${here}: above ${s.maximum}`);
      break;
    }
  }
  return out;
}

// contracts/blocks, from web/app/src/apps/site.
const contracts = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../contracts/blocks');

const schemas = Object.fromEntries(
  BLOCK_TYPES.map((t) => [t, JSON.parse(readFileSync(resolve(contracts, `${t}.schema.json`), 'utf8')) as Schema]),
) as Record<BlockType, Schema>;

// What an owner fills in, per type: every field the form offers.
const filled: Record<BlockType, DraftObject> = {
  hero: {
    headline: 'Fresh bread, baked at dawn',
    subheadline: 'A family bakery since 1990.',
    cta: { label: 'Visit us', href: '/contact' },
    image: { src: '/media/0190c0de-0000-7000-8000-000000000002', alt: 'The shop front', caption: '' },
  },
  rich_text: { markdown: '## About us\n\nWe **bake** every morning.' },
  features: {
    heading: 'What we make',
    items: [
      { title: 'Sourdough', description: 'Slow-fermented, 36 hours.' },
      { title: 'Pastries', description: '' },
    ],
  },
  testimonials: { heading: '', items: [{ quote: 'Best croissants in town.', author: 'Ada', role: 'Regular' }] },
  gallery: { heading: 'The shop', images: [{ src: 'https://example.com/a.jpg', alt: 'Loaves', caption: 'Morning bake' }] },
  cta: { heading: 'Order for the weekend', text: '', button: { label: 'Call us', href: 'tel:+33123456789' } },
  contact_form: { heading: 'Write to us', intro: '', fields: ['message', 'name', 'email'], submit_label: 'Send', email: 'hi@example.com', phone: '' },
  pricing: {
    heading: 'Prices',
    plans: [
      { label: 'Loaf', amount: '4.50', currency: 'eur', description: '', cta: { label: '', href: '' } },
      { label: 'Box', amount: '1200', currency: 'JPY', description: 'Twelve pastries', cta: { label: 'Order', href: '/order' } },
    ],
  },
};

describe('block forms', () => {
  it.each(BLOCK_TYPES)('%s: what the owner fills in serialises to data that fits its schema', (type) => {
    const draft = filled[type];
    expect(validate(type, draft)).toEqual({});
    const data = serialize(type, draft);
    expect(schemaErrors(schemas[type], data)).toEqual([]);
  });

  it.each(BLOCK_TYPES)('%s: every field of the form is a property of the schema', (type) => {
    const walk = (fields: (typeof BLOCK_SPECS)[BlockType]['fields'], s: Schema) => {
      for (const f of fields) {
        const p = s.properties?.[f.key];
        expect(p, `${type}.${f.key}`).toBeDefined();
        if (f.kind === 'group') walk(f.fields, p!);
        if (f.kind === 'list') walk(f.fields, p!.items!);
      }
    };
    walk(BLOCK_SPECS[type].fields, schemas[type]);
  });

  it.each(BLOCK_TYPES)('%s: data read back into a form saves the same', (type) => {
    const data = serialize(type, filled[type]);
    expect(serialize(type, deserialize(type, data))).toEqual(data);
  });

  it('leaves out optional fields left empty, and optional groups left alone', () => {
    expect(serialize('hero', { ...newDraft('hero'), headline: 'Hi' })).toEqual({ headline: 'Hi' });
    const plan = serialize('pricing', filled.pricing).plans as Record<string, unknown>[];
    expect(plan[0]).toEqual({ label: 'Loaf', amount: 450, currency: 'EUR' });
    expect(plan[1]).toEqual({ label: 'Box', amount: 1200, currency: 'JPY', description: 'Twelve pastries', cta: { label: 'Order', href: '/order' } });
  });

  it('orders contact fields as the form shows them', () => {
    expect(serialize('contact_form', filled.contact_form).fields).toEqual(['name', 'email', 'message']);
  });

  it('starts a new block empty but well-formed: a list with one item, a form with name, email and message', () => {
    expect(newDraft('features').items).toEqual([{ title: '', description: '' }]);
    expect(newDraft('contact_form').fields).toEqual(['name', 'email', 'message']);
    // Empty required fields are named with the server's keys.
    expect(validate('features', newDraft('features'))).toEqual({ 'items.0.title': 'is required' });
    expect(validate('hero', newDraft('hero'))).toEqual({ headline: 'is required' });
    expect(Object.keys(validate('cta', newDraft('cta'))).sort()).toEqual(['button.href', 'button.label', 'heading']);
  });

  it('names what would not fit: a bad link, a half-filled optional button, a long headline, no contact field', () => {
    const hero = { ...newDraft('hero'), headline: 'x'.repeat(201), cta: { label: 'Go', href: 'www.example.com' } };
    expect(validate('hero', hero)).toEqual({
      headline: 'must be at most 200 characters',
      'cta.href': 'must start with https://, /, #, mailto: or tel:',
    });
    const partial = { ...newDraft('hero'), headline: 'Hi', cta: { label: '', href: '/x' } };
    expect(validate('hero', partial)).toEqual({ 'cta.label': 'is required' });
    expect(validate('contact_form', { ...newDraft('contact_form'), fields: [] })).toEqual({ fields: 'needs at least 1 ticked' });
    const price = { heading: '', plans: [{ label: 'A', amount: '4,5x', currency: 'EURO', description: '', cta: { label: '', href: '' } }] };
    expect(validate('pricing', price)).toEqual({
      'plans.0.amount': 'must be an amount, such as 29 or 29.50',
      'plans.0.currency': 'must be a three-letter code, such as EUR or USD',
    });
  });

  it('lists the keys its form shows, for errors to find their field', () => {
    const keys = fieldKeys('features', filled.features);
    expect(keys.has('heading')).toBe(true);
    expect(keys.has('items.1.title')).toBe(true);
    expect(keys.has('items.2.title')).toBe(false);
  });

  it('reads amounts in minor units by currency', () => {
    expect(parseMinor('29', 'EUR')).toBe(2900);
    expect(parseMinor('29.5', 'EUR')).toBe(2950);
    expect(parseMinor('29,50', 'EUR')).toBe(2950);
    expect(parseMinor('1,200', 'USD')).toBe(120000);
    expect(parseMinor('1200', 'JPY')).toBe(1200);
    expect(parseMinor('12.5', 'JPY')).toBeNull();
    expect(parseMinor('abc', 'EUR')).toBeNull();
    expect(parseMinor('29.999', 'EUR')).toBeNull();
    expect(formatMinor(2950, 'EUR')).toBe('29.50');
    expect(formatMinor(2900, 'EUR')).toBe('29');
    expect(formatMinor(1200, 'JPY')).toBe('1200');
  });

  it('edits a nested field without touching the rest', () => {
    const d = setIn(filled.features, ['items', 1, 'title'], 'Croissants');
    expect((d.items as DraftObject[])[1]!.title).toBe('Croissants');
    expect((filled.features.items as DraftObject[])[1]!.title).toBe('Pastries');
    expect(d.heading).toBe('What we make');
  });
});

describe('reordering', () => {
  const list = ['hero', 'text', 'cta'];
  it('moves an item up or down, and nowhere past either end', () => {
    expect(move(list, 1, -1)).toEqual(['text', 'hero', 'cta']);
    expect(move(list, 1, 1)).toEqual(['hero', 'cta', 'text']);
    expect(move(list, 0, -1)).toEqual(list);
    expect(move(list, 2, 1)).toEqual(list);
    expect(move(list, 0, 2)).toEqual(['text', 'cta', 'hero']);
    expect(list).toEqual(['hero', 'text', 'cta']); // not mutated
  });
  it('inserts and removes', () => {
    expect(insertAt(list, 1, 'gallery')).toEqual(['hero', 'gallery', 'text', 'cta']);
    expect(insertAt(list, 99, 'gallery')).toEqual(['hero', 'text', 'cta', 'gallery']);
    expect(removeAt(list, 0)).toEqual(['text', 'cta']);
  });
});
