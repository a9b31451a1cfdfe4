import { describe, expect, it } from 'vitest';
import { edited, fromDraft, rebase, serverErrors, toDraft, type Draft } from './draft';
import { snoozeOptions, describe as say, ended, localInput, who } from './timeline';

const base: Draft = {
  name: 'Ada',
  email: 'ada@x.io',
  phone: '',
  company: 'Engines',
  source: 'manual',
  amount: '1200',
  currency: 'EUR',
  notes: '',
};

describe('the lead form', () => {
  it('reads a lead as text', () => {
    expect(toDraft({ name: 'Ada', email: null, value: { amount: 125050, currency: 'GBP' }, notes: 'hi' })).toEqual({
      name: 'Ada',
      email: '',
      phone: '',
      company: '',
      source: '',
      amount: '1250.5',
      currency: 'GBP',
      notes: 'hi',
    });
    expect(toDraft(null, 'USD').currency).toBe('USD');
  });

  it('makes the API’s input of it', () => {
    expect(fromDraft({ ...base, phone: ' +44 20 ', amount: '1,250.50' })).toEqual({
      errors: null,
      input: {
        name: 'Ada',
        email: 'ada@x.io',
        phone: '+44 20',
        company: 'Engines',
        source: 'manual',
        value: { amount: 125050, currency: 'EUR' },
        notes: null,
      },
    });
    const r = fromDraft({ ...base, amount: '', source: '' });
    expect(r.input).toMatchObject({ value: null });
    expect(r.input && 'source' in r.input).toBe(false);
  });

  it('says what is wrong, per field', () => {
    const r = fromDraft({ ...base, name: ' ', email: 'nope', amount: 'lots' });
    expect(r.input).toBeNull();
    expect(Object.keys(r.errors ?? {})).toEqual(['name', 'email', 'amount']);
  });

  it('maps the server’s field errors', () => {
    expect(serverErrors({ email: 'belongs to lead 1', 'value.currency': 'must be ISO 4217', version: 'x' })).toEqual({
      email: 'Belongs to lead 1.',
      currency: 'Must be ISO 4217.',
    });
  });
});

describe('rebase, after someone else’s change (a 412)', () => {
  it('takes their change where the user did not edit, keeps the user’s edits, and names the conflicts', () => {
    const mine = { ...base, phone: '+1 555', email: 'ada@mine.io' };
    const theirs = { ...base, company: 'Engines Ltd', email: 'ada@theirs.io' };
    const { draft, conflicts } = rebase(mine, base, theirs);
    expect(draft).toEqual({ ...base, phone: '+1 555', company: 'Engines Ltd', email: 'ada@mine.io' });
    expect(conflicts).toEqual(['email']);
    expect(edited(draft, theirs)).toEqual(['email', 'phone']);
  });

  it('is no conflict when both made the same change', () => {
    const same = { ...base, notes: 'Call back Monday' };
    expect(rebase(same, base, same)).toEqual({ draft: same, conflicts: [] });
  });
});

describe('the timeline in words', () => {
  it('says who', () => {
    expect(who('user:u1', 'u1')).toBe('You');
    expect(who('user:u2', 'u1')).toBe('A teammate');
    expect(who('system:website-form', 'u1')).toBe('Website form');
    expect(who('job:api-token:abc', null)).toBe('An integration');
    expect(who('job:lead-followup', null)).toBe('Xentri');
    expect(who(undefined, null)).toBe('Xentri');
  });

  it('says what', () => {
    expect(say({ kind: 'created', detail: { source: 'website' } as never })).toEqual({ title: 'Lead added, from website', tone: 'accent' });
    expect(say({ kind: 'status_changed', detail: { from: 'new', to: 'lost', lost_reason: 'No budget', note: 'Maybe in Q3' } as never })).toEqual({
      title: 'Moved from New to Lost',
      quote: 'Reason: No budget\nMaybe in Q3',
      tone: 'danger',
    });
    expect(say({ kind: 'status_changed', detail: { from: 'qualified', to: 'won' } as never }).tone).toBe('success');
    expect(say({ kind: 'updated', detail: { changes: ['email', 'value'] } as never }).title).toBe('Updated email, value');
    expect(say({ kind: 'followup_due', detail: { step: 2 } as never }).title).toBe('Follow-up 2 due');
    expect(say({ kind: 'note', detail: { note: 'Liked the samples' } as never }).quote).toBe('Liked the samples');
  });

  it('says why follow-ups stopped', () => {
    expect(ended({ ended: 'won' })).toMatch(/won/);
    expect(ended({ ended: 'none' })).toMatch(/No follow-ups/);
    expect(ended({})).toBeNull();
    expect(ended(undefined)).toBeNull();
  });

  it('offers snooze times in the future, in the morning', () => {
    const now = new Date(2025, 5, 11, 15, 30); // a Wednesday afternoon
    const [tomorrow, three, monday] = snoozeOptions(now);
    expect(tomorrow!.until).toEqual(new Date(2025, 5, 12, 9, 0));
    expect(three!.until).toEqual(new Date(2025, 5, 14, 9, 0));
    expect(monday!.until).toEqual(new Date(2025, 5, 16, 9, 0));
    expect(snoozeOptions(new Date(2025, 5, 16, 8, 0))[2]!.until).toEqual(new Date(2025, 5, 23, 9, 0)); // on a Monday: the next one
    expect(localInput(new Date(2025, 0, 2, 3, 4))).toBe('2025-01-02T03:04');
  });
});
