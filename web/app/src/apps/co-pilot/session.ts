// The co-pilot's calls to the API: open a session (resume the latest open
// one, or start one), send a message, finish, and follow the Brief's
// generation until it completes.
import { api, type ResponseData } from '../../lib/api';
import { reducer, initialState, turnsOf, type MessageKind, type Missing, type Reply, type State } from './conversation';

export type Session = NonNullable<ResponseData<'/api/v1/copilot/sessions/{sessionID}', 'get'>>;
export type SessionSummary = NonNullable<ResponseData<'/api/v1/copilot/sessions', 'get'>>[number];
export type Finished = NonNullable<ResponseData<'/api/v1/copilot/sessions/{sessionID}/finish', 'post'>>;
export type WorkflowStatus = NonNullable<ResponseData<'/api/v1/workflows/{workflowID}', 'get'>>;

export type Opened =
  /** A session to talk in, its transcript as the state, and the opening (for a new one). */
  | { kind: 'open'; session: Session; state: State; opening?: string; resumed: boolean }
  /** No open session, but earlier ones: the owner chooses to start another. */
  | { kind: 'ended'; last: SessionSummary };

async function load(id: string, signal?: AbortSignal): Promise<{ session: Session; state: State }> {
  const { data: session } = await api.get('/api/v1/copilot/sessions/{sessionID}', { path: { sessionID: id }, signal });
  const turns = turnsOf(session.messages);
  // The session's workflow learns what is missing with its first turn (before it, it says []):
  // until then, the Brief says (or, with no Brief yet, nothing is known).
  const missing = turns.length || session.missing?.length ? session.missing : await briefMissing(signal);
  const state = reducer(initialState, { type: 'loaded', turns, missing });
  return { session, state };
}

async function briefMissing(signal?: AbortSignal): Promise<Missing[] | undefined> {
  try {
    const { data } = await api.get('/api/v1/brief', { signal });
    return (data.data?.missing ?? []).map((m) => ({ section: m.section, field: m.field, question: m.question }));
  } catch (e) {
    if (signal?.aborted) throw e;
    return undefined; // 404: no Brief yet
  }
}

/** start begins a new session; its opening question comes in the answer. */
export async function start(idempotencyKey: string, signal?: AbortSignal): Promise<Opened> {
  const { data } = await api.post('/api/v1/copilot/sessions', { idempotencyKey, signal });
  if (!data.id) throw new Error('The co-pilot did not say which session it started.');
  // What the Brief misses comes from the session (the start answer does not say).
  let loaded: { session: Session; state: State } = { session: data, state: initialState };
  try {
    loaded = await load(data.id, signal);
  } catch (err) {
    if (signal?.aborted) throw err; // else: start with what we have; the first reply says what is missing
  }
  return { kind: 'open', ...loaded, opening: data.opening, resumed: false };
}

/**
 * open resumes the org's latest open session with its transcript; with no
 * session at all it starts the first (the owner's first visit); when every
 * session has ended it lets the owner decide.
 */
export async function open(startKey: string, signal?: AbortSignal): Promise<Opened> {
  const { data: sessions } = await api.get('/api/v1/copilot/sessions', { query: { limit: 20 }, signal });
  const current = sessions.find((s) => s.status === 'open');
  if (current?.id) return { kind: 'open', ...(await load(current.id, signal)), resumed: true };
  if (sessions[0]) return { kind: 'ended', last: sessions[0] };
  return start(startKey, signal);
}

/** send says one turn; a retry passes the same client_message_id (and key), so it is answered once. */
export async function send(sessionID: string, turn: { cid: string; text: string; kind: MessageKind }, signal?: AbortSignal): Promise<Reply> {
  const { data } = await api.post('/api/v1/copilot/sessions/{sessionID}/messages', {
    path: { sessionID },
    body: { text: turn.text, kind: turn.kind, client_message_id: turn.cid },
    idempotencyKey: `copilot-message-${turn.cid}`,
    signal,
  });
  return data;
}

export async function finish(sessionID: string, idempotencyKey: string): Promise<Finished> {
  const { data } = await api.post('/api/v1/copilot/sessions/{sessionID}/finish', { path: { sessionID }, idempotencyKey });
  return data;
}

/**
 * workflow reads a workflow's status. Its id has slashes
 * (brief-generate/{org}/{session}) and the server matches them as path
 * segments: encoded as %2F (what a path parameter becomes) it finds no
 * workflow. So the path is written out, each segment encoded on its own.
 */
export async function workflow(id: string, signal?: AbortSignal): Promise<WorkflowStatus> {
  const path = `/api/v1/workflows/${id.split('/').map(encodeURIComponent).join('/')}` as '/api/v1/workflows/{workflowID}';
  const { data } = await api.get(path, { path: { workflowID: id }, signal });
  return data;
}

export const terminal = (s: WorkflowStatus['status']): boolean => s !== undefined && s !== 'RUNNING';

/**
 * follow polls a workflow until it is no longer running (or signal
 * aborts), calling onStatus with each answer; the wait grows from 0.8 s
 * to 4 s. A failed poll is thrown to the caller, which offers a retry.
 */
export async function follow(
  id: string,
  onStatus: (s: WorkflowStatus) => void,
  signal: AbortSignal,
  sleep: (ms: number, signal: AbortSignal) => Promise<void> = wait,
): Promise<WorkflowStatus> {
  for (let i = 0; ; i++) {
    const st = await workflow(id, signal);
    onStatus(st);
    if (terminal(st.status)) return st;
    await sleep(Math.min(4000, 800 * 1.4 ** i), signal);
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
