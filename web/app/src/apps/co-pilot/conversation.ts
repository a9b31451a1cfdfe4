// The conversation's state, as a reducer with no I/O: each message the
// owner sends is a turn that is `sending` (shown at once, optimistically),
// then `replied` (the co-pilot's reply) or `failed` (an error, and a retry
// that sends it again with the same client_message_id, so the server
// answers it once). And what the Brief holds so far, for the side panel.
import type { Schemas } from '../../lib/types';
import { asSources, fieldTitle, findField, sectionTitle, type FieldKind, type SectionSpec, type Source } from '../brief/vocab';

export type Reply = Schemas['CopilotReply'];
export type Missing = Schemas['CopilotMissing'];
export type MessageKind = 'text' | 'voice_transcript';

export interface Turn {
  /** The client_message_id: the turn's identity, kept across retries. */
  cid: string;
  text: string;
  kind: MessageKind;
  status: 'sending' | 'replied' | 'failed';
  reply?: Reply;
  /** Why the last attempt failed (said to the owner). */
  error?: string;
  /** How many times it was sent. */
  attempts: number;
}

export interface State {
  turns: Turn[];
  /** What the Brief still misses, the latest the server said. */
  missing: Missing[];
  /** Whether the server said what is missing yet (a session's first GET may not). */
  missingKnown: boolean;
}

export type Action =
  | { type: 'loaded'; turns: Turn[]; missing?: Missing[] }
  | { type: 'send'; cid: string; text: string; kind: MessageKind }
  | { type: 'replied'; cid: string; reply: Reply }
  | { type: 'failed'; cid: string; error: string }
  | { type: 'retry'; cid: string }
  | { type: 'discard'; cid: string };

export const initialState: State = { turns: [], missing: [], missingKnown: false };

/** A turn is on its way: the composer waits. */
export const inFlight = (s: State): boolean => s.turns.some((t) => t.status === 'sending');
/** The failed turn the owner must retry or take back before saying more. */
export const failedTurn = (s: State): Turn | undefined => s.turns.find((t) => t.status === 'failed');

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'loaded':
      return { turns: action.turns, missing: action.missing ?? [], missingKnown: action.missing !== undefined };
    case 'send': {
      const text = action.text.trim();
      // One turn at a time, and never the same message twice.
      if (!text || inFlight(state) || failedTurn(state) || state.turns.some((t) => t.cid === action.cid)) return state;
      return { ...state, turns: [...state.turns, { cid: action.cid, text, kind: action.kind, status: 'sending', attempts: 1 }] };
    }
    case 'replied':
      return {
        missing: action.reply.missing ?? state.missing,
        missingKnown: state.missingKnown || action.reply.missing !== undefined,
        turns: update(state.turns, action.cid, (t) => ({ ...t, status: 'replied', reply: action.reply, error: undefined })),
      };
    case 'failed':
      return { ...state, turns: update(state.turns, action.cid, (t) => (t.status === 'sending' ? { ...t, status: 'failed', error: action.error } : t)) };
    case 'retry':
      if (inFlight(state)) return state;
      return {
        ...state,
        turns: update(state.turns, action.cid, (t) => (t.status === 'failed' ? { ...t, status: 'sending', error: undefined, attempts: t.attempts + 1 } : t)),
      };
    case 'discard':
      return { ...state, turns: state.turns.filter((t) => !(t.cid === action.cid && t.status === 'failed')) };
  }
}

function update(turns: Turn[], cid: string, fn: (t: Turn) => Turn): Turn[] {
  return turns.map((t) => (t.cid === cid ? fn(t) : t));
}

/** The transcript GET /copilot/sessions/{id} answers, as turns. */
type Transcript = NonNullable<NonNullable<import('../../lib/api').ResponseData<'/api/v1/copilot/sessions/{sessionID}', 'get'>>['messages']>;

export function turnsOf(messages: Transcript | undefined): Turn[] {
  return [...(messages ?? [])]
    .sort((a, b) => (a.turn ?? 0) - (b.turn ?? 0))
    .map((m, i) => ({
      cid: m.client_message_id || m.id || `turn-${i}`,
      text: m.text ?? '',
      kind: m.kind === 'voice_transcript' ? 'voice_transcript' : 'text',
      status: 'replied',
      reply: m.reply,
      attempts: 1,
    }));
}

// --- The reply, read -----------------------------------------------------------

export interface Fact {
  section: string;
  field: string;
  value: unknown;
  sources: Source[];
}

/** What a reply understood, with the sources in the message it answers. */
export function factsOf(reply: Reply | undefined): Fact[] {
  return (reply?.understood ?? []).map((u) => ({
    section: u.section ?? '',
    field: u.field ?? '',
    value: u.value,
    sources: asSources(u.sources).filter((s) => !s.message_id || !reply?.message_id || s.message_id === reply.message_id),
  }));
}

/**
 * splitReply separates the reply's words from its next question, which
 * the server appends to the text: the app shows the question on its own.
 */
export function splitReply(reply: Reply): { text: string; question: string } {
  const text = (reply.text ?? '').trim();
  const q = (reply.next_question ?? '').trim();
  if (q && text.endsWith(q)) return { text: text.slice(0, -q.length).trim(), question: q };
  return { text, question: q };
}

/** The question the co-pilot is waiting on: the last reply's, else the first missing field's. */
export function currentQuestion(state: State): string {
  for (let i = state.turns.length - 1; i >= 0; i--) {
    const q = state.turns[i]!.reply?.next_question;
    if (state.turns[i]!.reply) return q ?? '';
  }
  return state.missing[0]?.question ?? '';
}

// --- The Brief, forming ---------------------------------------------------------

export interface FormingField {
  section: string;
  field: string;
  title: string;
  kind: FieldKind;
  /** heard: said in this session; missing: still asked for; known: neither (in the Brief already). */
  status: 'heard' | 'missing' | 'known';
  value?: unknown;
  question?: string;
  /** The turn that said it last. */
  turn?: number;
}

export interface FormingSection {
  id: string;
  title: string;
  fields: FormingField[];
}

export interface Forming {
  sections: FormingSection[];
  filled: number;
  total: number;
}

/**
 * forming is the side panel: every field of the Brief (from its schema,
 * or, without it, those heard or missing), grouped by section, with what
 * this session understood (the latest value wins) and what is missing.
 */
export function forming(state: State, specs: SectionSpec[]): Forming {
  const heard = new Map<string, { value: unknown; turn: number }>();
  state.turns.forEach((t, i) => {
    for (const f of factsOf(t.reply)) heard.set(`${f.section}.${f.field}`, { value: f.value, turn: i + 1 });
  });
  const missing = new Map(state.missing.map((m) => [`${m.section}.${m.field}`, m]));

  const order: Array<[string, string]> = [];
  const seen = new Set<string>();
  const add = (section: string, field: string) => {
    const key = `${section}.${field}`;
    if (!section || !field || seen.has(key)) return;
    seen.add(key);
    order.push([section, field]);
  };
  for (const s of specs) for (const f of s.fields) add(s.id, f.id);
  for (const key of [...heard.keys(), ...missing.keys()]) {
    const [section, field] = key.split('.') as [string, string];
    add(section, field);
  }

  const sections: FormingSection[] = [];
  let filled = 0;
  for (const [section, field] of order) {
    const key = `${section}.${field}`;
    const h = heard.get(key);
    const m = missing.get(key);
    const status: FormingField['status'] = h ? 'heard' : m || !state.missingKnown ? 'missing' : 'known';
    if (status !== 'missing') filled++;
    let group = sections.find((s) => s.id === section);
    if (!group) sections.push((group = { id: section, title: sectionTitle(section), fields: [] }));
    group.fields.push({
      section,
      field,
      title: fieldTitle(section, field),
      kind: findField(specs, section, field).kind,
      status,
      ...(h ? { value: h.value, turn: h.turn } : {}),
      ...(m && !h ? { question: m.question } : {}),
    });
  }
  const total = order.length;
  return { sections, filled, total };
}
