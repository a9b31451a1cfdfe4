// What the drawer says about a lead's timeline and follow-ups: pure, tested.
import type { Activity, FollowUps } from './data';
import { isStatus, STATUS_LABEL } from './model';

/** who says who did something: "You", "A teammate", "Website form", "Xentri". */
export function who(actor: string | undefined, me: string | null): string {
  if (!actor) return 'Xentri';
  const [type, ...rest] = actor.split(':');
  const id = rest.join(':');
  if (type === 'user') return me && id === me ? 'You' : 'A teammate';
  if (type === 'system' && id === 'website-form') return 'Website form';
  if (id.startsWith('api-token:')) return 'An integration';
  return 'Xentri';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const stage = (v: unknown): string => (isStatus(v) ? STATUS_LABEL[v] : str(v));

export interface ActivityText {
  title: string;
  /** A quote under the title (a note, a reason). */
  quote?: string;
  tone: 'neutral' | 'accent' | 'success' | 'danger';
}

/** describe turns a timeline entry into words. */
export function describe(a: Activity): ActivityText {
  const d = (a.detail ?? {}) as Record<string, unknown>;
  switch (a.kind) {
    case 'created':
      return { title: d.source ? `Lead added, from ${str(d.source)}` : 'Lead added', tone: 'accent' };
    case 'status_changed': {
      const to = str(d.to);
      const quote = [d.lost_reason ? `Reason: ${str(d.lost_reason)}` : '', str(d.note)].filter(Boolean).join('\n');
      return {
        title: d.from ? `Moved from ${stage(d.from)} to ${stage(d.to)}` : `Moved to ${stage(d.to)}`,
        quote: quote || undefined,
        tone: to === 'won' ? 'success' : to === 'lost' ? 'danger' : 'accent',
      };
    }
    case 'note':
      return { title: 'Note', quote: str(d.note) || str(d.text) || undefined, tone: 'neutral' };
    case 'updated': {
      const changes = Array.isArray(d.changes) ? d.changes.map(str).filter(Boolean) : [];
      return { title: changes.length ? `Updated ${changes.join(', ')}` : 'Details updated', tone: 'neutral' };
    }
    case 'followup_due':
      return { title: d.step ? `Follow-up ${str(d.step)} due` : 'Follow-up due', tone: 'accent' };
    case 'followup_done':
      return { title: d.step ? `Follow-up ${str(d.step)} done` : 'Follow-up done', tone: 'success' };
    default:
      return { title: 'Activity', tone: 'neutral' };
  }
}

/** ended says why a lead's follow-ups stopped, or null while they run. */
export function ended(f: FollowUps | undefined): string | null {
  switch (f?.ended) {
    case undefined:
    case '':
      return null;
    case 'won':
      return 'Follow-ups stopped: the lead was won.';
    case 'lost':
      return 'Follow-ups stopped: the lead was lost.';
    case 'cadence_done':
      return 'Every scheduled follow-up has come due.';
    case 'lead_gone':
      return 'Follow-ups stopped: the lead is gone.';
    case 'none':
      return 'No follow-ups are running for this lead.';
    default:
      return 'Follow-ups have stopped.';
  }
}

export interface SnoozeOption {
  label: string;
  until: Date;
}

/** snoozeOptions: tomorrow morning, in three days, next Monday morning (local time). */
export function snoozeOptions(now: Date): SnoozeOption[] {
  const at9 = (days: number) => {
    const d = new Date(now);
    d.setDate(d.getDate() + days);
    d.setHours(9, 0, 0, 0);
    return d;
  };
  const toMonday = ((8 - now.getDay()) % 7) || 7;
  return [
    { label: 'Tomorrow, 9:00', until: at9(1) },
    { label: 'In 3 days', until: at9(3) },
    { label: 'Next Monday, 9:00', until: at9(toMonday) },
  ];
}

/** localInput writes a date for <input type="datetime-local"> ("2025-06-03T09:00"). */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
