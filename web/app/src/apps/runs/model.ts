// The runs app's logic, free of React: the org's dead letters (workflows
// that failed for good), read from what the API answers, the input editor's
// validation, and how a failed run is said.
import { api } from '../../lib/api';

/**
 * A dead letter, as GET /api/v1/ops/dead-letters answers it.
 *
 * The contract types this response as `{ type: object }` (no schema), so
 * the generated types say nothing of its items; this shape is read from
 * services/ops/deadletters.go (DeadLetter) and every item is checked by
 * toDeadLetter before the screen uses it. When the contract gains a
 * DeadLetter schema, derive this type from src/generated instead.
 */
export interface DeadLetter {
  id: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  /** The workflow's arguments (a JSON array, as stored). */
  input: unknown;
  failureType: string;
  failureMessage: string;
  attempts: number;
  status: Status;
  redriveRunId: string | null;
  /** Opens the workflow in Temporal UI (absent when the server has no Temporal UI to link to). */
  temporalUiUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export type Status = 'open' | 'redriven' | 'discarded';
export const statuses: readonly Status[] = ['open', 'redriven', 'discarded'];

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** toDeadLetter reads one item of the API's answer, or null when it is not a dead letter. */
export function toDeadLetter(raw: unknown): DeadLetter | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const id = str(r.id);
  if (!id) return null;
  const status = statuses.includes(r.status as Status) ? (r.status as Status) : 'open';
  const url = str(r.temporal_ui_url);
  return {
    id,
    workflowType: str(r.workflow_type) || 'Workflow',
    workflowId: str(r.workflow_id),
    runId: str(r.run_id),
    taskQueue: str(r.task_queue),
    input: r.input ?? null,
    failureType: str(r.failure_type),
    failureMessage: str(r.failure_message),
    attempts: typeof r.attempts === 'number' && Number.isFinite(r.attempts) ? r.attempts : 0,
    status,
    redriveRunId: str(r.redrive_run_id) || null,
    temporalUiUrl: /^https?:\/\//i.test(url) ? url : null,
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

/** Newest first (the API pages oldest first). */
export function newestFirst(a: DeadLetter, b: DeadLetter): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** loadDeadLetters reads every page of the org's dead letters (of one status, or all), newest first. */
export async function loadDeadLetters(status: Status | undefined, signal?: AbortSignal, maxPages = 20): Promise<{ items: DeadLetter[]; more: boolean }> {
  const items: DeadLetter[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { data, meta } = await api.get('/api/v1/ops/dead-letters', { query: { status, limit: 200, cursor }, signal });
    const list: unknown = data;
    for (const raw of Array.isArray(list) ? list : []) {
      const d = toDeadLetter(raw);
      if (d) items.push(d);
    }
    if (!meta.next_cursor) return { items: items.sort(newestFirst), more: false };
    cursor = meta.next_cursor;
  }
  return { items: items.sort(newestFirst), more: true };
}

/** replace puts an updated dead letter in place of the one with its id. */
export function replace(list: readonly DeadLetter[], d: DeadLetter): DeadLetter[] {
  return list.map((x) => (x.id === d.id ? d : x));
}

// --- The input --------------------------------------------------------------

/** prettyJson shows a value as indented JSON. */
export function prettyJson(v: unknown): string {
  if (v === undefined) return '';
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

export type InputCheck = { ok: true; input: unknown[] } | { ok: false; error: string };

/**
 * checkInput validates an edited input before a re-drive: the workflow's
 * arguments, a JSON array (the API refuses anything else with a 400).
 */
export function checkInput(text: string): InputCheck {
  const t = text.trim();
  if (!t) return { ok: false, error: 'Enter the workflow’s arguments: a JSON array, such as [{"lead_id": "…"}].' };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : 'it cannot be read';
    return { ok: false, error: `This is not valid JSON: ${why}` };
  }
  if (!Array.isArray(v)) {
    return { ok: false, error: `The input must be a JSON array of the workflow’s arguments (this is ${kindOf(v)}). Wrap it in [ ].` };
  }
  return { ok: true, input: v };
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  return `a ${typeof v}`;
}

/** argumentCount says how many arguments an input has ("1 argument"), or what it is when it is not an array. */
export function argumentCount(input: unknown): string {
  if (!Array.isArray(input)) return input === null ? 'no input' : 'input';
  return input.length === 1 ? '1 argument' : `${input.length} arguments`;
}

// --- Saying it ----------------------------------------------------------------

const workflowNames: Record<string, string> = {
  LeadFollowUp: 'Lead follow-ups',
  CopilotSession: 'Co-pilot session',
  BriefGenerate: 'Brief generation',
  SitePublish: 'Site publish',
  SiteSchedule: 'Scheduled publish',
  Diagnostics: 'Diagnostics',
};

/** workflowName is what an owner calls a workflow type ("SitePublish" is "Site publish"). */
export function workflowName(type: string): string {
  if (workflowNames[type]) return workflowNames[type];
  const words = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1).toLowerCase() : 'Workflow';
}

export const statusLabel: Record<Status, string> = {
  open: 'Needs attention',
  redriven: 'Re-driven',
  discarded: 'Discarded',
};

export const filterLabel: Record<Status | 'all', string> = {
  open: 'Open',
  redriven: 'Re-driven',
  discarded: 'Discarded',
  all: 'All',
};

/** filterOf reads the status filter from the query string (?status=…); open by default. */
export function filterOf(search: URLSearchParams): Status | 'all' {
  const s = search.get('status');
  if (s === 'all') return 'all';
  return statuses.includes(s as Status) ? (s as Status) : 'open';
}

/** when says a time in full, in the user's locale. */
export function when(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? '' : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
