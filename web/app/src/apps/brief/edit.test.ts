import { afterEach, describe, expect, it, vi } from 'vitest';
import { changes, draftsOf, etagOf, fromDraft, rebase, saveSection, sameValue, toDraft, type FieldForm } from './edit';
import type { BriefField } from './vocab';

const field = (value: unknown, over: Partial<BriefField> = {}): BriefField => ({ value, confidence: 0.8, origin: 'extracted', sources: [], ...over });

describe('drafts', () => {
  it('round-trips each kind through its form', () => {
    const cases: Array<[FieldForm['kind'], unknown]> = [
      ['string', 'Café Rosé'],
      ['integer', 2019],
      ['strings', ['sourdough bread', 'croissants']],
      ['integers', [1, 3, 7]],
      ['location', { city: 'Montréal', country: 'Canada' }],
      ['price_points', [{ label: 'Sourdough', amount: 850, currency: 'USD' }, { label: 'Croissant', amount: 325, currency: 'EUR' }]],
    ];
    for (const [kind, value] of cases) {
      const parsed = fromDraft(kind, toDraft(kind, value));
      expect(parsed, kind).toEqual({ ok: true, value });
    }
  });

  it('reads what an owner types', () => {
    expect(fromDraft('integers', { type: 'text', text: '1, 3 ;7' })).toEqual({ ok: true, value: [1, 3, 7] });
    expect(fromDraft('integer', { type: 'text', text: '1,000' })).toEqual({ ok: true, value: 1000 });
    expect(fromDraft('strings', { type: 'text', text: ' bread \n\n cakes ' })).toEqual({ ok: true, value: ['bread', 'cakes'] });
    expect(fromDraft('price_points', { type: 'prices', rows: [{ label: 'Loaf', amount: '$8,5', currency: 'usd' }] })).toEqual({
      ok: true,
      value: [{ label: 'Loaf', amount: 850, currency: 'USD' }],
    });
    expect(fromDraft('price_points', { type: 'prices', rows: [{ label: 'Ramen', amount: '900', currency: 'JPY' }] })).toEqual({
      ok: true,
      value: [{ label: 'Ramen', amount: 900, currency: 'JPY' }],
    });
  });

  it('an empty draft removes the field (null)', () => {
    expect(fromDraft('string', { type: 'text', text: '  ' })).toEqual({ ok: true, value: null });
    expect(fromDraft('location', { type: 'location', city: '', region: ' ', country: '' })).toEqual({ ok: true, value: null });
    expect(fromDraft('price_points', { type: 'prices', rows: [{ label: '', amount: '', currency: 'USD' }] })).toEqual({ ok: true, value: null });
  });

  it('says what is wrong', () => {
    expect(fromDraft('integer', { type: 'text', text: 'twelve' })).toMatchObject({ ok: false });
    expect(fromDraft('integers', { type: 'text', text: '1, two' })).toMatchObject({ ok: false });
    expect(fromDraft('price_points', { type: 'prices', rows: [{ label: 'x', amount: '1', currency: 'dollars' }] })).toMatchObject({ ok: false });
    expect(fromDraft('price_points', { type: 'prices', rows: [{ label: '', amount: '1', currency: 'USD' }] })).toMatchObject({ ok: false });
  });

  it('sends only the fields that changed, null for a removed one', () => {
    const forms: FieldForm[] = [
      { id: 'business_name', kind: 'string' },
      { id: 'location', kind: 'location' },
      { id: 'team_size', kind: 'integer' },
      { id: 'founded_year', kind: 'integer' },
    ];
    const current = { business_name: field('Rosa'), location: field({ country: 'Canada', city: 'Montréal' }), team_size: field(4) };
    const drafts = draftsOf(forms, current);
    expect(changes(forms, drafts, current)).toEqual({ fields: {}, errors: {} });
    drafts.business_name = { type: 'text', text: 'Café Rosé' };
    drafts.team_size = { type: 'text', text: '' };
    drafts.founded_year = { type: 'text', text: 'soon' };
    expect(changes(forms, drafts, current)).toEqual({
      fields: { business_name: 'Café Rosé', team_size: null },
      errors: { founded_year: 'Enter a whole number.' },
    });
  });

  it('compares values whatever their keys’ order', () => {
    expect(sameValue({ city: 'a', country: 'b' }, { country: 'b', city: 'a' })).toBe(true);
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
  });

  it('rebases: the owner’s changed fields stay, the others take the newer Brief', () => {
    const forms: FieldForm[] = [
      { id: 'business_name', kind: 'string' },
      { id: 'industry', kind: 'string' },
    ];
    const drafts = { business_name: { type: 'text' as const, text: 'Mine' }, industry: { type: 'text' as const, text: 'bakery' } };
    const newer = { business_name: field('Theirs'), industry: field('café') };
    expect(rebase(forms, drafts, new Set(['business_name']), newer)).toEqual({
      business_name: { type: 'text', text: 'Mine' },
      industry: { type: 'text', text: 'café' },
    });
  });
});

describe('saving a section', () => {
  afterEach(() => vi.unstubAllGlobals());

  const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

  it('sends If-Match with the version the edit is based on, and answers the new Brief', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return json(200, { data: { version: 4, data: { sections: {}, missing: [] } }, error: null, meta: {} });
      }),
    );
    const res = await saveSection('identity', { business_name: 'Café Rosé' }, 3);
    expect(res).toMatchObject({ kind: 'saved', brief: { version: 4 } });
    expect(calls).toHaveLength(1);
    const h = calls[0]!.init.headers as Record<string, string>;
    expect(calls[0]!.url).toBe('/api/v1/brief/sections/identity');
    expect(calls[0]!.init.method).toBe('PUT');
    expect(h['If-Match']).toBe('"v3"');
    expect(h['Idempotency-Key']).toBeTruthy();
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ fields: { business_name: 'Café Rosé' } });
  });

  it('turns a 412 into a conflict, and each save gets its own Idempotency-Key', async () => {
    const keys: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
        return json(412, { type: 'about:blank', title: 'Precondition Failed', status: 412, detail: 'The Brief changed.', trace_id: 't' }, 'application/problem+json');
      }),
    );
    expect(await saveSection('identity', { business_name: 'x' }, 3)).toEqual({ kind: 'conflict' });
    expect(await saveSection('identity', { business_name: 'x' }, 4)).toEqual({ kind: 'conflict' });
    expect(new Set(keys).size).toBe(2); // a stored 412 is never replayed for the next try
  });

  it('throws other failures with their field errors', async () => {
    vi.stubGlobal('fetch', vi.fn(async () =>
      json(400, { type: 'about:blank', title: 'Bad', status: 400, detail: 'Check the fields.', trace_id: 't', errors: { 'fields.team_size': 'must be an integer' } }, 'application/problem+json'),
    ));
    await expect(saveSection('identity', { team_size: 'x' }, 1)).rejects.toMatchObject({ status: 400, fields: { 'fields.team_size': 'must be an integer' } });
  });

  it('writes the ETag as GET /brief does', () => {
    expect(etagOf(12)).toBe('"v12"');
  });
});
