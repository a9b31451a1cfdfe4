// Formatting for the leads app: money in minor units, counts, dates.
// Everything goes through Intl, in the browser's locale unless told.

export interface Money {
  /** Minor units (cents for EUR). */
  amount: number;
  /** ISO 4217. */
  currency: string;
}

const digitsCache = new Map<string, number>();

/** fractionDigits is how many minor-unit digits a currency has (2 for EUR, 0 for JPY, 3 for BHD). */
export function fractionDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2; // not a currency Intl knows: cents
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** toMajor turns minor units into the currency's unit (1250 EUR cents -> 12.5). */
export function toMajor(m: Money): number {
  return m.amount / 10 ** fractionDigits(m.currency);
}

export interface MoneyFormat {
  locale?: string;
  /** Short: whole units, and "€125K" from 100,000 up. */
  compact?: boolean;
}

/** formatMoney formats an amount of minor units: "€1,250.50", or compact "€1,251" / "€125K". */
export function formatMoney(m: Money, opts: MoneyFormat = {}): string {
  const major = toMajor(m);
  const digits = fractionDigits(m.currency);
  const whole = Number.isInteger(major);
  const o: Intl.NumberFormatOptions = { style: 'currency', currency: m.currency };
  if (opts.compact) {
    if (Math.abs(major) >= 100_000) {
      o.notation = 'compact';
      o.minimumFractionDigits = 0;
      o.maximumFractionDigits = 1;
    } else {
      o.maximumFractionDigits = 0;
      o.minimumFractionDigits = 0;
    }
  } else if (whole) {
    o.minimumFractionDigits = 0;
    o.maximumFractionDigits = 0;
  } else {
    o.minimumFractionDigits = digits;
  }
  try {
    return new Intl.NumberFormat(opts.locale, o).format(major);
  } catch {
    return `${major.toFixed(opts.compact ? 0 : digits)} ${m.currency}`;
  }
}

/** formatValues formats a column's value by currency, largest first: "€12,400 · $3,000"; "" when none. */
export function formatValues(values: readonly Money[], opts: MoneyFormat = {}): string {
  return [...values]
    .filter((v) => v.amount !== 0)
    .sort((a, b) => toMajor(b) - toMajor(a) || a.currency.localeCompare(b.currency))
    .map((v) => formatMoney(v, opts))
    .join(' · ');
}

/** formatCount: "1 lead", "12 leads". */
export function formatCount(n: number, locale?: string): string {
  return `${new Intl.NumberFormat(locale).format(n)} ${n === 1 ? 'lead' : 'leads'}`;
}

/**
 * addValue adds (sign 1) or takes away (sign -1) an amount from a value by
 * currency, for the board's optimistic moves; a currency at zero goes.
 */
export function addValue(values: readonly Money[], m: Money | null | undefined, sign: 1 | -1): Money[] {
  if (!m || !m.amount) return [...values];
  let found = false;
  const out = values.map((v) => {
    if (v.currency !== m.currency) return v;
    found = true;
    return { currency: v.currency, amount: v.amount + sign * m.amount };
  });
  if (!found) out.push({ currency: m.currency, amount: sign * m.amount });
  return out.filter((v) => v.amount !== 0);
}

/**
 * parseAmount reads what someone typed as a value ("1,250.50", "1.250,5",
 * "€ 300") into minor units: null when empty, NaN when it is not an amount.
 * The last "." or "," followed by at most the currency's digits is the
 * decimal mark; the others group thousands.
 */
export function parseAmount(text: string, currency: string): number | null {
  const s = text.replace(/[\s\u00a0\u202f'’]/g, '').replace(/^[^\d.,-]+|[^\d.,]+$/g, '');
  if (!s) return text.trim() ? NaN : null;
  if (!/^\d[\d.,]*$/.test(s)) return NaN;
  const digits = fractionDigits(currency);
  const m = /^(.*)([.,])(\d+)$/.exec(s);
  let whole = s;
  let frac = '';
  if (m && m[3]!.length <= digits) {
    whole = m[1]!;
    frac = m[3]!;
    if (whole.includes(m[2]!)) return NaN; // "12.345.6": the decimal mark cannot group too
  } else if (m && m[3]!.length !== 3) {
    return NaN; // "12.5" yen, "12.345" euros: not a grouping, not a decimal
  }
  if (/[.,]/.test(whole) && !/^\d{1,3}([.,]\d{3})+$/.test(whole)) return NaN; // groups of three
  whole = whole.replace(/[.,]/g, '');
  if (!/^\d+$/.test(whole)) return NaN;
  const n = Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || 0);
  return Number.isSafeInteger(n) ? n : NaN;
}

/** amountInput writes minor units back as text for an input ("1250.5"). */
export function amountInput(m: Money | null | undefined): string {
  if (!m) return '';
  const d = fractionDigits(m.currency);
  return d ? toMajor(m).toFixed(d).replace(/\.?0+$/, '') : String(m.amount);
}

/** The currencies the forms offer first. */
export const COMMON_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY', 'INR'] as const;

const REGION_CURRENCY: Record<string, string> = {
  US: 'USD', GB: 'GBP', CH: 'CHF', CA: 'CAD', AU: 'AUD', NZ: 'NZD', SE: 'SEK', NO: 'NOK', DK: 'DKK', PL: 'PLN',
  JP: 'JPY', IN: 'INR', BR: 'BRL', MX: 'MXN', ZA: 'ZAR', SG: 'SGD', HK: 'HKD', IE: 'EUR',
};

/**
 * defaultCurrency is what a new lead's value is in: the currency most of
 * the board's value is in, else the locale's region's, else EUR.
 */
export function defaultCurrency(values: readonly Money[] = [], locale?: string): string {
  const top = [...values].sort((a, b) => b.amount - a.amount)[0];
  if (top) return top.currency;
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale ?? (typeof navigator !== 'undefined' ? navigator.language : 'en')).maximize().region;
  } catch {
    region = undefined;
  }
  return (region && REGION_CURRENCY[region]) || 'EUR';
}

// --- Dates ------------------------------------------------------------------------

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** formatRelative: "in 3 days", "2 hours ago", "tomorrow", "just now" ("2 hr. ago" when short). */
export function formatRelative(iso: string, now = Date.now(), locale?: string, style: 'long' | 'short' = 'long'): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const secs = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style });
  // A unit from 90% of it: 23 h 59 min is "tomorrow", not "in 24 hours".
  for (const [unit, size] of UNITS) {
    if (Math.abs(secs) >= size * 0.9) return rtf.format(Math.round(secs / size), unit);
  }
  return Math.abs(secs) < 45 ? 'just now' : rtf.format(Math.round(secs / 60), 'minute');
}

/** formatAge is a short age for a card: "now", "5m", "3h", "2d", "3w", then "5 Jan" (with the year when it is not this one). */
export function formatAge(iso: string, now = Date.now(), locale?: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const mins = Math.max(0, Math.floor((now - t) / 60_000));
  if (mins < 1) return 'now';
  if (mins < 60) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${days}d`;
  if (days < 28) return `${Math.floor(days / 7)}w`;
  const d = new Date(t);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(d);
}

/** formatDateTime: "Tue, 3 Jun, 14:30" (the year when it is not this one). */
export function formatDateTime(iso: string, now = Date.now(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

/** initials of a name for the card's avatar: "Ada Lovelace" -> "AL". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? '?';
  const last = parts.length > 1 ? parts[parts.length - 1]![0] : '';
  return (first + (last ?? '')).toUpperCase();
}
