import { describe, expect, it } from 'vitest';
import { formatValue } from './vocab';

describe('formatValue', () => {
  it('writes a year as a year, a count with its grouping', () => {
    expect(formatValue(2016, 'integer', 'identity', 'founded_year')).toBe('2016');
    expect(formatValue(12000, 'integer', 'identity', 'team_size')).toBe((12000).toLocaleString());
  });
  it("writes an industry id as words, and a person's own words as they are", () => {
    expect(formatValue('gift_shop', 'string', 'identity', 'industry')).toBe('Gift shop');
    expect(formatValue('Pottery & ceramics', 'string', 'identity', 'industry')).toBe('Pottery & ceramics');
  });
});
