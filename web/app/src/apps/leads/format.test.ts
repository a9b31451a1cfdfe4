import { describe, expect, it } from 'vitest';
import {
  addValue,
  amountInput,
  defaultCurrency,
  formatAge,
  formatCount,
  formatMoney,
  formatRelative,
  formatValues,
  fractionDigits,
  initials,
  parseAmount,
  toMajor,
} from './format';

const en = { locale: 'en-US' };

describe('money in minor units', () => {
  it('knows each currency’s digits', () => {
    expect(fractionDigits('EUR')).toBe(2);
    expect(fractionDigits('JPY')).toBe(0);
    expect(fractionDigits('BHD')).toBe(3);
    expect(toMajor({ amount: 125050, currency: 'EUR' })).toBe(1250.5);
    expect(toMajor({ amount: 1250, currency: 'JPY' })).toBe(1250);
  });

  it('formats whole amounts without cents, others with', () => {
    expect(formatMoney({ amount: 120000, currency: 'EUR' }, en)).toBe('€1,200');
    expect(formatMoney({ amount: 125050, currency: 'EUR' }, en)).toBe('€1,250.50');
    expect(formatMoney({ amount: 125050, currency: 'EUR' }, { locale: 'de-DE' })).toBe('1.250,50\u00a0€');
    expect(formatMoney({ amount: 5000, currency: 'JPY' }, en)).toBe('¥5,000');
  });

  it('is compact for a column: whole units, and K/M from 100,000', () => {
    expect(formatMoney({ amount: 125050, currency: 'EUR' }, { ...en, compact: true })).toBe('€1,251');
    expect(formatMoney({ amount: 12_500_000, currency: 'USD' }, { ...en, compact: true })).toBe('$125K');
    expect(formatMoney({ amount: 230_000_000, currency: 'GBP' }, { ...en, compact: true })).toBe('£2.3M');
  });

  it('formats a column’s value by currency, largest first, zeroes left out', () => {
    const values = [
      { currency: 'EUR', amount: 1200 },
      { currency: 'USD', amount: 250000 },
      { currency: 'GBP', amount: 0 },
    ];
    expect(formatValues(values, en)).toBe('$2,500 · €12');
    expect(formatValues([], en)).toBe('');
  });

  it('counts leads', () => {
    expect(formatCount(1, 'en')).toBe('1 lead');
    expect(formatCount(1200, 'en')).toBe('1,200 leads');
  });

  it('adds and takes away a lead’s value', () => {
    const v = [{ currency: 'EUR', amount: 5000 }];
    expect(addValue(v, { currency: 'EUR', amount: 2000 }, 1)).toEqual([{ currency: 'EUR', amount: 7000 }]);
    expect(addValue(v, { currency: 'USD', amount: 100 }, 1)).toEqual([...v, { currency: 'USD', amount: 100 }]);
    expect(addValue(v, { currency: 'EUR', amount: 5000 }, -1)).toEqual([]);
    expect(addValue(v, null, 1)).toEqual(v);
  });
});

describe('parseAmount', () => {
  it.each([
    ['', 'EUR', null],
    ['  ', 'EUR', null],
    ['1200', 'EUR', 120000],
    ['1,250.50', 'EUR', 125050],
    ['1.250,5', 'EUR', 125050],
    ['1,250', 'EUR', 125000],
    ['12.5', 'EUR', 1250],
    ['€ 300', 'EUR', 30000],
    ['1 000 000', 'EUR', 100000000],
    ['5,000', 'JPY', 5000],
    ['1.234', 'BHD', 1234],
  ] as const)('%j in %s is %s', (text, currency, want) => {
    expect(parseAmount(text, currency)).toBe(want);
  });

  it.each([['abc'], ['-5'], ['12.345.6x'], ['12.5678'], ['1e5'], ['1,2,3']])('%j is not an amount', (text) => {
    expect(parseAmount(text, 'EUR')).toBeNaN();
  });

  it('writes an amount back for the input', () => {
    expect(amountInput({ amount: 125050, currency: 'EUR' })).toBe('1250.5');
    expect(amountInput({ amount: 120000, currency: 'EUR' })).toBe('1200');
    expect(amountInput({ amount: 5000, currency: 'JPY' })).toBe('5000');
    expect(amountInput(null)).toBe('');
    expect(parseAmount(amountInput({ amount: 99, currency: 'EUR' }), 'EUR')).toBe(99);
  });
});

describe('defaultCurrency', () => {
  it('is the board’s main currency, else the locale’s', () => {
    expect(defaultCurrency([{ currency: 'USD', amount: 10 }, { currency: 'GBP', amount: 900 }])).toBe('GBP');
    expect(defaultCurrency([], 'en-GB')).toBe('GBP');
    expect(defaultCurrency([], 'de-DE')).toBe('EUR');
    expect(defaultCurrency([], 'en-US')).toBe('USD');
  });
});

describe('dates', () => {
  const now = Date.parse('2025-06-10T12:00:00Z');
  it('says an age in a few characters', () => {
    expect(formatAge('2025-06-10T11:59:40Z', now)).toBe('now');
    expect(formatAge('2025-06-10T11:55:00Z', now)).toBe('5m');
    expect(formatAge('2025-06-10T09:00:00Z', now)).toBe('3h');
    expect(formatAge('2025-06-08T12:00:00Z', now)).toBe('2d');
    expect(formatAge('2025-05-20T12:00:00Z', now)).toBe('3w');
    expect(formatAge('2025-01-05T12:00:00Z', now, 'en-GB')).toBe('5 Jan');
    expect(formatAge('2024-01-05T12:00:00Z', now, 'en-GB')).toBe('5 Jan 2024');
  });
  it('says when, relatively', () => {
    expect(formatRelative('2025-06-11T11:58:00Z', now, 'en')).toBe('tomorrow');
    expect(formatRelative('2025-06-13T12:00:00Z', now, 'en')).toBe('in 3 days');
    expect(formatRelative('2025-06-10T10:00:00Z', now, 'en')).toBe('2 hours ago');
    expect(formatRelative('2025-06-10T12:00:10Z', now, 'en')).toBe('just now');
    expect(formatRelative('nope', now, 'en')).toBe('');
  });
  it('makes initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  cher ')).toBe('C');
    expect(initials('Jean-Luc de la Cour')).toBe('JC');
  });
});
