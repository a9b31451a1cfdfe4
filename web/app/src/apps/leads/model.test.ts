import { describe, expect, it } from 'vitest';
import {
  changedFields,
  emptyBoard,
  filterQuery,
  leadInput,
  listWords,
  matchesFilters,
  reduce,
  type Action,
  type Board,
  type Lead,
  type LeadStatus,
} from './model';

const none = { q: '', source: '' };

const lead = (id: string, status: LeadStatus, over: Partial<Lead> = {}): Lead => ({
  id,
  name: `Lead ${id}`,
  status,
  version: 1,
  source: 'manual',
  value: { amount: 10000, currency: 'EUR' },
  ...over,
});

const summary = (counts: Partial<Record<LeadStatus, [number, number]>>): Action => ({
  type: 'summary/loaded',
  columns: (['new', 'contacted', 'qualified', 'won', 'lost'] as const).map((status) => ({
    status,
    leads: counts[status]?.[0] ?? 0,
    value: counts[status]?.[1] ? [{ currency: 'EUR', amount: counts[status]![1] }] : [],
  })),
});

const run = (b: Board, ...actions: Action[]) => actions.reduce(reduce, b);

/** A board with a, b in New, c in Contacted and its summary. */
function seeded(): Board {
  return run(
    emptyBoard(),
    { type: 'column/loaded', status: 'new', leads: [lead('a', 'new'), lead('b', 'new')], cursor: 'next', more: false },
    { type: 'column/loaded', status: 'contacted', leads: [lead('c', 'contacted', { value: null })], cursor: null, more: false },
    summary({ new: [2, 20000], contacted: [1, 0] }),
  );
}

describe('loading columns', () => {
  it('keeps the cards, the order, the cursor and the sources seen', () => {
    const b = seeded();
    expect(b.columns.new).toEqual({ ids: ['a', 'b'], cursor: 'next', state: 'ready' });
    expect(b.columns.contacted.ids).toEqual(['c']);
    expect(b.cards.a?.status).toBe('new');
    expect(b.sources).toEqual(['manual', 'website']);
  });

  it('appends a page without duplicates, and a fresh load replaces', () => {
    let b = run(seeded(), { type: 'column/loading', status: 'new', more: true });
    expect(b.columns.new.state).toBe('more');
    b = run(b, { type: 'column/loaded', status: 'new', leads: [lead('b', 'new'), lead('d', 'new', { source: 'fair' })], cursor: null, more: true });
    expect(b.columns.new.ids).toEqual(['a', 'b', 'd']);
    expect(b.columns.new.cursor).toBeNull();
    expect(b.sources).toContain('fair');
    b = run(b, { type: 'column/loaded', status: 'new', leads: [lead('d', 'new')], cursor: null, more: false });
    expect(b.columns.new.ids).toEqual(['d']);
  });

  it('keeps an error per column', () => {
    const b = run(seeded(), { type: 'column/failed', status: 'won', error: new Error('x') });
    expect(b.columns.won.state).toBe('error');
    expect(run(b, { type: 'column/loading', status: 'won', more: false }).columns.won.error).toBeUndefined();
  });

  it('takes a card out of a column another page says it left', () => {
    const b = run(seeded(), { type: 'column/loaded', status: 'won', leads: [lead('a', 'won', { version: 2 })], cursor: null, more: false });
    expect(b.columns.new.ids).toEqual(['b']);
    expect(b.columns.won.ids).toEqual(['a']);
  });

  it('never lets an older version replace a newer one', () => {
    let b = run(seeded(), { type: 'lead/upsert', lead: lead('a', 'qualified', { version: 3 }), filters: none });
    b = run(b, { type: 'column/loaded', status: 'new', leads: [lead('a', 'new', { version: 2 }), lead('b', 'new')], cursor: null, more: false });
    expect(b.cards.a?.status).toBe('qualified');
    expect(b.columns.new.ids).toEqual(['b']);
    expect(b.columns.qualified.ids).toEqual(['a']);
  });
});

describe('an optimistic move', () => {
  it('moves the card at once, with the summary', () => {
    const b = run(seeded(), { type: 'move/start', id: 'b', to: 'contacted' });
    expect(b.columns.new.ids).toEqual(['a']);
    expect(b.columns.contacted.ids).toEqual(['b', 'c']);
    expect(b.cards.b?.status).toBe('contacted');
    expect(b.pending.b).toMatchObject({ from: 'new', index: 1 });
    expect(b.summary?.new).toEqual({ leads: 1, value: [{ currency: 'EUR', amount: 10000 }] });
    expect(b.summary?.contacted).toEqual({ leads: 2, value: [{ currency: 'EUR', amount: 10000 }] });
  });

  it('is confirmed by the answer, with its new version', () => {
    let b = run(seeded(), { type: 'move/start', id: 'b', to: 'contacted' });
    b = run(b, { type: 'move/done', id: 'b', lead: lead('b', 'contacted', { version: 2 }) });
    expect(b.pending).toEqual({});
    expect(b.cards.b).toMatchObject({ status: 'contacted', version: 2 });
    expect(b.columns.contacted.ids).toEqual(['b', 'c']);
  });

  it('rolls back to where the card was, summary too, when it fails', () => {
    const before = seeded();
    let b = run(before, { type: 'move/start', id: 'a', to: 'won' });
    b = run(b, { type: 'move/failed', id: 'a' });
    expect(b.columns).toEqual(before.columns);
    expect(b.cards).toEqual(before.cards);
    expect(b.summary).toEqual(before.summary);
    expect(b.pending).toEqual({});
  });

  it('after a 412, rolls back, then shows the lead as the other person left it', () => {
    let b = run(seeded(), { type: 'move/start', id: 'a', to: 'won' });
    b = run(b, { type: 'move/failed', id: 'a' });
    // The app reads the lead again: someone had qualified it.
    b = run(b, { type: 'lead/upsert', lead: lead('a', 'qualified', { version: 2 }), filters: none });
    expect(b.columns.new.ids).toEqual(['b']);
    expect(b.columns.qualified.ids).toEqual(['a']);
    expect(b.columns.won.ids).toEqual([]);
    expect(b.cards.a?.version).toBe(2);
  });

  it('asks for a lost reason that shows at once', () => {
    const b = run(seeded(), { type: 'move/start', id: 'a', to: 'lost', lostReason: 'No budget' });
    expect(b.cards.a).toMatchObject({ status: 'lost', lost_reason: 'No budget' });
  });

  it('is one at a time per card, and none to the same column', () => {
    const b = run(seeded(), { type: 'move/start', id: 'a', to: 'won' });
    expect(run(b, { type: 'move/start', id: 'a', to: 'lost' })).toBe(b);
    expect(run(b, { type: 'move/start', id: 'b', to: 'new' })).toBe(b);
    expect(run(b, { type: 'move/start', id: 'zz', to: 'new' })).toBe(b);
  });

  it('is left alone by live updates and reloads while in flight', () => {
    let b = run(seeded(), { type: 'move/start', id: 'a', to: 'won' });
    b = run(b, { type: 'lead/upsert', lead: lead('a', 'new', { version: 1 }), filters: none });
    b = run(b, { type: 'column/loaded', status: 'new', leads: [lead('a', 'new'), lead('b', 'new')], cursor: null, more: false });
    b = run(b, { type: 'column/loaded', status: 'won', leads: [], cursor: null, more: false });
    expect(b.columns.won.ids).toEqual(['a']);
    expect(b.columns.new.ids).toEqual(['b']);
  });
});

describe('live updates (lead/upsert)', () => {
  it('puts a new lead on top of its column', () => {
    const b = run(seeded(), { type: 'lead/upsert', lead: lead('n', 'new', { source: 'website' }), filters: none });
    expect(b.columns.new.ids).toEqual(['n', 'a', 'b']);
  });

  it('keeps a card in place when only its details changed', () => {
    const b = run(seeded(), { type: 'lead/upsert', lead: lead('b', 'new', { name: 'Renamed', version: 2 }), filters: none });
    expect(b.columns.new.ids).toEqual(['a', 'b']);
    expect(b.cards.b?.name).toBe('Renamed');
  });

  it('drops a lead the filters hide, and ignores one it never showed', () => {
    const f = { q: 'acme', source: '' };
    let b = run(seeded(), { type: 'lead/upsert', lead: lead('a', 'new', { version: 2 }), filters: f });
    expect(b.columns.new.ids).toEqual(['b']);
    expect(b.cards.a).toBeUndefined();
    const same = run(b, { type: 'lead/upsert', lead: lead('x', 'new'), filters: f });
    expect(same).toBe(b);
    b = run(b, { type: 'lead/remove', id: 'b' });
    expect(b.columns.new.ids).toEqual([]);
  });
});

describe('filters', () => {
  it('match name, e-mail and company, and the source, like the API', () => {
    const l = lead('a', 'new', { name: 'Ada Lovelace', email: 'ada@engines.co', company: 'Analytical', source: 'website' });
    expect(matchesFilters(l, { q: 'LOVE', source: '' })).toBe(true);
    expect(matchesFilters(l, { q: 'engines', source: '' })).toBe(true);
    expect(matchesFilters(l, { q: 'analytic', source: 'website' })).toBe(true);
    expect(matchesFilters(l, { q: 'bob', source: '' })).toBe(false);
    expect(matchesFilters(l, { q: '', source: 'manual' })).toBe(false);
  });
  it('leave empty ones out of the query', () => {
    expect(filterQuery({ q: '  ', source: '' })).toEqual({});
    expect(filterQuery({ q: ' ada ', source: 'website' })).toEqual({ q: 'ada', source: 'website' });
  });
});

describe('leadInput and changedFields', () => {
  it('sends every field of LeadInput and nothing else', () => {
    const l = lead('a', 'new', { email: '', company: 'Acme', notes: 'hi', created_at: 'x', lost_reason: null });
    expect(leadInput(l, { phone: '+1 555' })).toEqual({
      name: 'Lead a',
      email: null,
      phone: '+1 555',
      company: 'Acme',
      source: 'manual',
      value: { amount: 10000, currency: 'EUR' },
      notes: 'hi',
    });
  });
  it('names what changed', () => {
    const a = lead('a', 'new', { email: 'a@x.io' });
    expect(changedFields(a, { ...a, email: 'b@x.io', status: 'won', value: null })).toEqual(['email', 'value', 'stage']);
    expect(listWords(['email'])).toBe('email');
    expect(listWords(['email', 'value', 'stage'])).toBe('email, value and stage');
  });
});
