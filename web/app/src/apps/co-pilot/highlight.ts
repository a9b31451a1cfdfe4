// Where the co-pilot read each fact in the owner's message. A source's
// start and end count Unicode code points (end exclusive), as the server's
// []rune(text)[start:end]; JavaScript strings index UTF-16 units, so an
// emoji (two units, one code point) before a span would shift it if we
// sliced the string directly. Everything here works on Array.from(text),
// which splits a string by code point.

export interface Span {
  start: number;
  end: number;
  /** Which fact the span belongs to (an index into the reply's understood). */
  key: number;
  /** The text the span should cover, when known: used to repair a span that does not. */
  quote?: string;
}

export interface Segment {
  text: string;
  /** The facts that cover this piece, in the order of their spans; empty: plain text. */
  keys: number[];
}

/** The number of code points of s (not s.length, which counts UTF-16 units). */
export const codePointLength = (s: string): number => Array.from(s).length;

/** The code-point index of a UTF-16 index of s. */
export function codePointIndex(s: string, utf16Index: number): number {
  return codePointLength(s.slice(0, utf16Index));
}

/**
 * locate checks a span against the text: a span whose code points are its
 * quote is kept; one that is not (a quote counted in UTF-16 units, or a
 * stale offset) moves to the quote's nearest occurrence; one out of range
 * with no quote found is clamped, or dropped when nothing is left.
 */
export function locate(points: string[], span: Span): Span | null {
  const n = points.length;
  if (span.quote) {
    if (span.start >= 0 && span.end <= n && points.slice(span.start, span.end).join('') === span.quote) return span;
    const text = points.join('');
    let best = -1;
    for (let at = text.indexOf(span.quote); at !== -1; at = text.indexOf(span.quote, at + 1)) {
      const cp = codePointIndex(text, at);
      if (best === -1 || Math.abs(cp - span.start) < Math.abs(best - span.start)) best = cp;
    }
    if (best !== -1) return { ...span, start: best, end: best + codePointLength(span.quote) };
  }
  const start = Math.max(0, Math.min(n, Math.floor(span.start)));
  const end = Math.max(0, Math.min(n, Math.floor(span.end)));
  return end > start ? { ...span, start, end } : null;
}

/**
 * segments cuts text into pieces at every span boundary, each piece with
 * the facts that cover it: overlapping spans give a piece covered by both,
 * adjacent spans two pieces side by side. Joining the pieces' text gives
 * back the text exactly.
 */
export function segments(text: string, spans: Span[]): Segment[] {
  const points = Array.from(text);
  const located = spans.map((s) => locate(points, s)).filter((s): s is Span => s !== null);
  if (located.length === 0) return text ? [{ text, keys: [] }] : [];
  const cuts = new Set<number>([0, points.length]);
  for (const s of located) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < bounds.length - 1; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    if (to <= from) continue;
    const keys: number[] = [];
    for (const s of located) if (s.start <= from && s.end >= to && !keys.includes(s.key)) keys.push(s.key);
    const piece = points.slice(from, to).join('');
    const last = out[out.length - 1];
    // Neighbours covered by the same facts read as one highlight.
    if (last && sameKeys(last.keys, keys)) last.text += piece;
    else out.push({ text: piece, keys });
  }
  return out;
}

function sameKeys(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
