import { describe, expect, it } from 'vitest';
import { changeSummary, diffRows, diffSummary, listDiff } from './diff';
import { parseBriefSchema, type SectionSpec } from './vocab';
import schema from '../../../../../contracts/brief.schema.json';

const specs: SectionSpec[] = parseBriefSchema(schema);

describe('the brief diff', () => {
  it('reads the sections, fields and kinds from the contract’s schema', () => {
    expect(specs.map((s) => s.id)).toEqual(['identity', 'offerings', 'audience', 'goals', 'brand_voice', 'differentiators', 'sales', 'contact']);
    const identity = specs[0]!;
    expect(identity.fields.map((f) => [f.id, f.kind])).toEqual([
      ['business_name', 'string'],
      ['industry', 'string'],
      ['location', 'location'],
      ['founded_year', 'integer'],
      ['team_size', 'integer'],
    ]);
    expect(specs[1]!.fields.find((f) => f.id === 'price_points')).toMatchObject({ kind: 'price_points', title: 'Prices' });
    expect(specs[6]!.fields[0]).toMatchObject({ id: 'follow_up_days', kind: 'integers' });
  });

  it('marks list entries added, removed and kept', () => {
    expect(listDiff(['bread', 'croissants'], ['bread', 'cakes'])).toEqual([
      { text: 'bread', state: 'kept' },
      { text: 'cakes', state: 'added' },
      { text: 'croissants', state: 'removed' },
    ]);
    expect(listDiff([], ['a'])).toEqual([{ text: 'a', state: 'added' }]);
    expect(listDiff(['a'], [])).toEqual([{ text: 'a', state: 'removed' }]);
  });

  it('groups changes by section in the Brief’s order and renders each kind for people', () => {
    const groups = diffRows(
      [
        { section: 'contact', field: 'email', op: 'added', to: 'hello@caferose.ca' },
        { section: 'offerings', field: 'products', op: 'changed', from: ['bread', 'croissants'], to: ['bread', 'cakes'] },
        { section: 'identity', field: 'location', op: 'changed', from: { city: 'Laval' }, to: { city: 'Montréal', region: 'Québec' } },
        { section: 'identity', field: 'business_name', op: 'changed', from: 'Rosa', to: 'Café Rosé' },
        { section: 'offerings', field: 'price_points', op: 'removed', from: [{ label: 'Sourdough', amount: 850, currency: 'USD' }] },
        { section: 'sales', field: 'follow_up_days', op: 'added', to: [1, 3, 7] },
      ],
      specs,
    );
    expect(groups.map((g) => g.title)).toEqual(['Identity', 'Offerings', 'Sales', 'Contact']);

    const [identity, offerings, sales, contact] = groups;
    expect(identity!.rows.map((r) => [r.title, r.op, r.from, r.to])).toEqual([
      ['Business name', 'changed', 'Rosa', 'Café Rosé'],
      ['Location', 'changed', 'Laval', 'Montréal, Québec'],
    ]);
    expect(identity!.rows[0]!.items).toBeUndefined();

    expect(offerings!.rows[0]).toMatchObject({ title: 'Products and services', op: 'changed' });
    expect(offerings!.rows[0]!.items).toEqual([
      { text: 'bread', state: 'kept' },
      { text: 'cakes', state: 'added' },
      { text: 'croissants', state: 'removed' },
    ]);
    expect(offerings!.rows[1]).toMatchObject({ title: 'Prices', op: 'removed', to: '' });
    expect(offerings!.rows[1]!.from).toMatch(/^Sourdough · \$8\.50$/);
    expect(offerings!.rows[1]!.items).toEqual([{ text: offerings!.rows[1]!.from, state: 'removed' }]);

    expect(sales!.rows[0]).toMatchObject({ title: 'Follow-up cadence', op: 'added', from: '', to: 'Day 1, 3 and 7 after a lead arrives' });
    expect(contact!.rows[0]).toMatchObject({ op: 'added', from: '', to: 'hello@caferose.ca' });
    expect(diffSummary(groups)).toBe('6 fields changed in 4 sections.');
  });

  it('shows unknown sections and fields under readable names, after the known ones', () => {
    const groups = diffRows(
      [
        { section: 'loyalty_program', field: 'points_per_visit', op: 'added', to: 5 },
        { section: 'goals', field: 'goals', op: 'added', to: ['open a second shop'] },
      ],
      specs,
    );
    expect(groups.map((g) => g.title)).toEqual(['Goals', 'Loyalty program']);
    expect(groups[1]!.rows[0]).toMatchObject({ title: 'Points per visit', to: '5' });
    expect(diffSummary([])).toBe('No field changed.');
  });

  it('words a version’s changes for people', () => {
    const added = ['business_name', 'industry', 'location', 'founded_year', 'team_size'].map((field) => ({ section: 'identity', field, op: 'added' as const }));
    expect(changeSummary(added, specs)).toBe('Added business name, industry, location and 2 more.');
    expect(changeSummary(added.slice(0, 4), specs)).toBe('Added business name, industry, location and year founded.');
    expect(
      changeSummary(
        [
          { section: 'identity', field: 'team_size', op: 'changed' },
          { section: 'contact', field: 'phone', op: 'removed' },
          { section: 'goals', field: 'goals', op: 'added' },
        ],
        specs,
      ),
    ).toBe('Added goals; changed team size; removed phone.');
    expect(changeSummary([], specs)).toBe('');
  });
});
