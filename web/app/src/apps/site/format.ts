// Words and numbers for the owner: dates, sizes, who did something.

const rtf = () => new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "yesterday", or a date when it is older than a week (or in the future, "in 2 days"). */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const secs = Math.round((t - now) / 1000);
  const abs = Math.abs(secs);
  if (abs < 45) return 'just now';
  if (abs < 45 * 60) return rtf().format(Math.round(secs / 60), 'minute');
  if (abs < 22 * 3600) return rtf().format(Math.round(secs / 3600), 'hour');
  if (abs < 7 * 86400) return rtf().format(Math.round(secs / 86400), 'day');
  // What is to come counts down ("in 41 days"); what is past is a date.
  if (secs > 0) return secs < 60 * 86400 ? rtf().format(Math.round(secs / 86400), 'day') : rtf().format(Math.round(secs / (30 * 86400)), 'month');
  return dateTime(iso);
}

/** A full date and time in the owner's locale and zone. */
export function dateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

/** 1536 -> "1.5 KB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Who an author is, from the API's "user:{id}", "job:api-token:{id}" or
 * "system:n8n": "You", a teammate's email, "An API token", "n8n".
 */
export function authorName(author: string, me: string | null | undefined, members: ReadonlyMap<string, string>): string {
  const [kind, ...rest] = author.split(':');
  const id = rest.join(':');
  if (kind === 'user') return id === me ? 'You' : (members.get(id) ?? 'A teammate');
  if (kind === 'job') return id.startsWith('api-token') ? 'An API token' : 'A background job';
  if (kind === 'system') return id === 'n8n' ? 'An n8n automation' : 'Xentri';
  return author || 'Someone';
}

/** The path as the owner reads it: "/" is "Home page". */
export function pathLabel(path: string): string {
  return path === '/' ? 'Home page' : path;
}

/** A page path from a title: "About us" -> "/about-us". */
export function pathFromTitle(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `/${slug}`;
}

/** Whether a page path is one the API takes: "/" or lowercase words joined by hyphens (/about, /services/plumbing). */
export function validPagePath(path: string): boolean {
  return path === '/' || /^(\/[a-z0-9]+(-[a-z0-9]+)*)+$/.test(path);
}
