import { describe, expect, it } from 'vitest';
import { canonicalKey, humanize, inputId, placeBlockErrors, refineMissing, splitProblem } from './problems';

describe('problem fields', () => {
  // The 400 the API answers for a page whose blocks do not fit (seen from POST /sites/{id}/pages).
  const problem = {
    'blocks[0].data.headline': 'minLength: got 0, want 1',
    'blocks[1].data.items.0': "missing property 'title'",
    'blocks[2].data.button': "missing property 'href'",
    'blocks[2].data.headline': 'maxLength: got 250, want 200',
    'blocks[3].type': 'must be one of hero, rich_text',
    title: 'is required',
    'seo.og_image': 'must be an http(s) URL or a path, at most 2048 characters',
  };

  it('puts blocks[2].data.headline on the third block sent, field headline', () => {
    const placed = splitProblem(problem, ['b-hero', 'b-features', 'b-cta', 'b-odd']);
    expect(placed.blocks['b-hero']).toEqual({ headline: 'is required' });
    expect(placed.blocks['b-features']).toEqual({ 'items.0.title': 'is required' });
    expect(placed.blocks['b-cta']).toEqual({ 'button.href': 'is required', headline: 'must be at most 200 characters' });
    expect(placed.blocks['b-odd']).toEqual({ '': 'must be one of hero, rich_text' });
    expect(placed.page).toEqual({ title: 'is required', 'seo.og_image': 'must be an http(s) URL or a path, at most 2048 characters' });
  });

  it('keeps the errors with their block when it has moved since', () => {
    // Sent as [a, b]; the owner then moves b first: the error still belongs to b.
    const placed = splitProblem({ 'blocks[1].data.headline': 'minLength: got 0, want 1' }, ['a', 'b']);
    expect(Object.keys(placed.blocks)).toEqual(['b']);
  });

  it('keeps an error of a block that is not in the list at the page', () => {
    expect(splitProblem({ 'blocks[7].data.x': 'bad' }, ['a']).page).toEqual({ 'blocks.7.data.x': 'bad' });
  });

  it('reads both index styles', () => {
    expect(canonicalKey('items[0].title')).toBe('items.0.title');
    expect(canonicalKey('navigation[2].label')).toBe('navigation.2.label');
    expect(canonicalKey('items.0.title')).toBe('items.0.title');
  });

  it('moves a missing property onto the property', () => {
    expect(refineMissing({ cta: "missing properties 'label', 'href'" })).toEqual({ 'cta.label': 'is required', 'cta.href': 'is required' });
    expect(refineMissing({ '': "missing property 'headline'" })).toEqual({ headline: 'is required' });
  });

  it('says the schema messages in words', () => {
    expect(humanize('minLength: got 0, want 1')).toBe('is required');
    expect(humanize('maxLength: got 250, want 200')).toBe('must be at most 200 characters');
    expect(humanize("does not match pattern '^(https?://|/|#|mailto:|tel:)'")).toBe('must start with https://, /, #, mailto: or tel:');
    expect(humanize('got string, want integer')).toBe('must be a whole number');
    expect(humanize('minItems: got 0, want 1')).toBe('needs at least 1');
    expect(humanize('is taken')).toBe('is taken');
  });

  it('shows at the field what the form has a field for, the rest at the block', () => {
    const known = new Set(['headline', 'cta', 'cta.label', 'cta.href']);
    expect(placeBlockErrors({ headline: 'is required', '': 'must be one of hero', 'weird.key': 'bad' }, known)).toEqual({
      fields: { headline: 'is required' },
      rest: ['must be one of hero', 'weird.key bad'],
    });
  });

  it('gives each field an id an error and a label can find', () => {
    expect(inputId('b3', 'items.0.title')).toBe('blk-b3-items-0-title');
  });
});
