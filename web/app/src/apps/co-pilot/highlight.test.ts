import { describe, expect, it } from 'vitest';
import { codePointIndex, codePointLength, locate, segments, type Span } from './highlight';

/** The highlighted pieces only, as [text, keys]. */
const marked = (text: string, spans: Span[]) => segments(text, spans).filter((s) => s.keys.length).map((s) => [s.text, s.keys]);

describe('code-point highlighting', () => {
  // As the server answered it: offsets count code points, so the emoji before
  // "Café Rosé" counts one, where JavaScript's string indexes count two.
  const text = 'Hi 👋 I run Café Rosé 🌹, a small bakery in Montréal, Québec.';

  it('counts code points, not UTF-16 units', () => {
    expect('👋'.length).toBe(2);
    expect(codePointLength('👋')).toBe(1);
    expect(codePointLength(text)).toBe(Array.from(text).length);
    expect(codePointIndex(text, text.indexOf('Café'))).toBe(11);
    expect(text.indexOf('Café')).toBe(12);
  });

  it('highlights spans after emoji and accents exactly', () => {
    const spans: Span[] = [
      { start: 11, end: 20, key: 0, quote: 'Café Rosé' },
      { start: 32, end: 38, key: 1, quote: 'bakery' },
      { start: 42, end: 50, key: 2, quote: 'Montréal' },
    ];
    expect(marked(text, spans)).toEqual([
      ['Café Rosé', [0]],
      ['bakery', [1]],
      ['Montréal', [2]],
    ]);
  });

  it('gives back the text exactly when the pieces are joined', () => {
    const spans: Span[] = [
      { start: 3, end: 4, key: 0 }, // the 👋 itself
      { start: 21, end: 22, key: 1 }, // the 🌹
    ];
    const segs = segments(text, spans);
    expect(segs.map((s) => s.text).join('')).toBe(text);
    expect(marked(text, spans)).toEqual([
      ['👋', [0]],
      ['🌹', [1]],
    ]);
  });

  it('slicing by UTF-16 would have been wrong', () => {
    expect(text.slice(11, 20)).not.toBe('Café Rosé');
  });

  it('handles combining accents as the code points they are', () => {
    const decomposed = 'Cafe\u0301 for all'; // "Café" as e + U+0301
    expect(marked(decomposed, [{ start: 0, end: 5, key: 0, quote: 'Cafe\u0301' }])).toEqual([['Cafe\u0301', [0]]]);
  });

  it('splits overlapping spans into pieces covered by one or both facts', () => {
    const t = 'sourdough bread and croissants';
    const spans: Span[] = [
      { start: 0, end: 15, key: 0 }, // sourdough bread
      { start: 10, end: 30, key: 1 }, // bread and croissants
    ];
    expect(marked(t, spans)).toEqual([
      ['sourdough ', [0]],
      ['bread', [0, 1]],
      [' and croissants', [1]],
    ]);
  });

  it('keeps a span inside another as its own piece', () => {
    const t = 'open a second shop';
    expect(marked(t, [{ start: 0, end: 18, key: 0 }, { start: 7, end: 13, key: 1 }])).toEqual([
      ['open a ', [0]],
      ['second', [0, 1]],
      [' shop', [0]],
    ]);
  });

  it('keeps adjacent spans of different facts apart, and merges those of the same fact', () => {
    const t = 'warmfriendly';
    expect(marked(t, [{ start: 0, end: 4, key: 0 }, { start: 4, end: 12, key: 1 }])).toEqual([
      ['warm', [0]],
      ['friendly', [1]],
    ]);
    expect(marked(t, [{ start: 0, end: 4, key: 2 }, { start: 4, end: 12, key: 2 }])).toEqual([['warmfriendly', [2]]]);
  });

  it('repairs a span whose offsets miss its quote (e.g. counted in UTF-16) by finding the quote', () => {
    // 12..21 are UTF-16 offsets of "Café Rosé": one too far in code points.
    const fixed = locate(Array.from(text), { start: 12, end: 21, key: 0, quote: 'Café Rosé' });
    expect(fixed).toMatchObject({ start: 11, end: 20 });
  });

  it('picks the occurrence of a repeated quote nearest the offsets', () => {
    const t = '🍞 bread, more bread, bread';
    const at = Array.from(t).join('').lastIndexOf('bread');
    const cp = codePointIndex(t, at);
    expect(locate(Array.from(t), { start: cp + 1, end: cp + 6, key: 0, quote: 'bread' })).toMatchObject({ start: cp, end: cp + 5 });
  });

  it('clamps spans out of range and drops empty ones', () => {
    const t = 'short';
    expect(marked(t, [{ start: 2, end: 99, key: 0 }])).toEqual([['ort', [0]]]);
    expect(marked(t, [{ start: 4, end: 4, key: 0 }, { start: 9, end: 12, key: 1 }, { start: 3, end: 1, key: 2 }])).toEqual([]);
    expect(segments(t, [])).toEqual([{ text: 'short', keys: [] }]);
    expect(segments('', [])).toEqual([]);
  });
});
