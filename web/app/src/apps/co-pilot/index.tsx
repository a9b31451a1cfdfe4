// The Strategy Co-pilot (/co-pilot, the home app): a conversation that
// turns the owner's words into their Universal Brief. It resumes the
// latest open session (or starts one), shows what each reply understood
// highlighted in the owner's own words, fills "Your Brief is forming" as
// facts arrive, and on Finish follows the Brief's generation to the Brief.
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { reactApp, type AppProps } from '../../lib/react-app';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { formatWhen, parseBriefSchema, type SectionSpec } from '../brief/vocab';
import { Composer } from './Composer';
import { currentQuestion, failedTurn, forming, inFlight, reducer, type MessageKind, type Turn } from './conversation';
import { FinishProgress } from './Finish';
import { FormingPanel } from './FormingPanel';
import { open, send, start, type Opened, type Session, type SessionSummary } from './session';
import { Transcript } from './Transcript';
import stylesheet from './copilot.css?url';

const RESUMED_OPENING = 'Welcome back. Here is where we left off; carry on whenever you are ready.';

type Phase =
  | { kind: 'loading' }
  | { kind: 'error'; error: unknown }
  | { kind: 'ended'; last: SessionSummary }
  | { kind: 'chat'; opened: Extract<Opened, { kind: 'open' }> };

function CopilotApp({ ctx }: AppProps) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [req, setReq] = useState<{ n: number; mode: 'open' | 'start' }>({ n: 0, mode: 'open' });
  const boot = useRef<{ n: number; p: Promise<Opened> } | null>(null);
  const startKey = useRef(api.newActionKey());

  const schema = useQuery((signal) => api.get('/api/v1/brief/schema', { signal }).then((r) => parseBriefSchema(r.data)), []);

  useEffect(() => {
    let live = true;
    // Once per request, even when an effect runs twice: starting a session is not free.
    if (boot.current?.n !== req.n) {
      boot.current = { n: req.n, p: req.mode === 'start' ? start(startKey.current, ctx.signal) : open(startKey.current, ctx.signal) };
    }
    boot.current.p.then(
      (o) => live && setPhase(o.kind === 'open' ? { kind: 'chat', opened: o } : { kind: 'ended', last: o.last }),
      (error) => live && !ctx.signal.aborted && setPhase({ kind: 'error', error }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [req]);

  const newSession = () => {
    startKey.current = api.newActionKey();
    setPhase({ kind: 'loading' });
    setReq((r) => ({ n: r.n + 1, mode: 'start' }));
  };
  // "Try again" of a failed start keeps its key: the server answers it once.
  const retry = () => {
    setPhase({ kind: 'loading' });
    setReq((r) => ({ n: r.n + 1, mode: r.mode }));
  };

  const specs = schema.data ?? [];

  switch (phase.kind) {
    case 'loading':
      return (
        <div className="cp-layout">
          <div className="card placeholder cp-loading">
            <Skeleton lines={5} label="Opening your conversation" />
          </div>
        </div>
      );
    case 'error':
      return <InlineError error={phase.error} onRetry={retry} />;
    case 'ended':
      return <Ended last={phase.last} onStart={newSession} />;
    case 'chat':
      return <Chat key={phase.opened.session.id} opened={phase.opened} specs={specs} signal={ctx.signal} onNewSession={newSession} />;
  }
}

function Ended({ last, onStart }: { last: SessionSummary; onStart: () => void }) {
  return (
    <section className="card cp-ended" aria-labelledby="cp-ended-title">
      <h2 id="cp-ended-title">Pick up where your Brief left off</h2>
      <p className="cp-muted">
        Your last conversation {last.status === 'idle' ? 'closed after a quiet spell' : 'finished'}
        {last.ended_at ? ` ${formatWhen(last.ended_at)}` : ''}. Start another to add to your Brief or to change what it says.
      </p>
      <div className="cp-finish__actions">
        <button type="button" className="button button--primary" onClick={onStart}>
          Start a new conversation
        </button>
        <a className="button" href="/brief">
          Open your Brief
        </a>
      </div>
    </section>
  );
}

const say = (e: unknown) => (e instanceof ApiError ? e.detail : 'Something went wrong. Please try again.');

function Chat({
  opened,
  specs,
  signal,
  onNewSession,
}: {
  opened: Extract<Opened, { kind: 'open' }>;
  specs: SectionSpec[];
  signal: AbortSignal;
  onNewSession: () => void;
}) {
  const session: Session = opened.session;
  const [state, dispatch] = useReducer(reducer, opened.state);
  const [draft, setDraft] = useState('');
  const [kind, setKind] = useState<MessageKind>('text');
  const [finishing, setFinishing] = useState<'no' | 'confirm' | 'yes'>('no');
  const [closed, setClosed] = useState(session.status !== 'open');
  const confirmRef = useRef<HTMLButtonElement>(null);

  const busy = inFlight(state);
  const failed = failedTurn(state);
  const question = currentQuestion(state);
  const panel = useMemo(() => forming(state, specs), [state, specs]);
  const replied = state.turns.filter((t) => t.status === 'replied').length;
  const opening = opened.opening ?? (state.turns.length ? RESUMED_OPENING : question || RESUMED_OPENING);

  const deliver = async (turn: Pick<Turn, 'cid' | 'text' | 'kind'>) => {
    try {
      const reply = await send(session.id!, turn, signal);
      dispatch({ type: 'replied', cid: turn.cid, reply });
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status === 409 && /ended|ending|finish/i.test(e.detail)) setClosed(true);
      dispatch({ type: 'failed', cid: turn.cid, error: say(e) });
    }
  };

  const onSend = () => {
    const text = draft.trim();
    if (!text || busy || failed) return;
    const turn = { cid: api.newActionKey(), text, kind };
    dispatch({ type: 'send', ...turn });
    setDraft('');
    setKind('text');
    void deliver(turn);
  };

  const onRetry = (t: Turn) => {
    if (busy) return;
    dispatch({ type: 'retry', cid: t.cid });
    void deliver(t); // the same client_message_id: answered once
  };

  const onDiscard = (t: Turn) => {
    dispatch({ type: 'discard', cid: t.cid });
    setDraft(t.text);
    setKind(t.kind);
  };

  useEffect(() => {
    if (finishing === 'confirm') confirmRef.current?.focus();
  }, [finishing]);

  const latestTurn = state.turns.length;

  return (
    <div className="cp-layout">
      <section className="cp-chat card" aria-labelledby="cp-chat-title">
        <header className="cp-chat__head">
          <div>
            <h2 id="cp-chat-title">Conversation</h2>
            <p className="cp-muted cp-small">
              {opened.resumed ? 'Resumed' : 'Started'} {formatWhen(session.created_at)}
              {replied > 0 && ` · ${replied} ${replied === 1 ? 'answer' : 'answers'}`}
            </p>
          </div>
          {finishing === 'no' && !closed && (
            <button
              type="button"
              className="button"
              onClick={() => setFinishing('confirm')}
              disabled={busy || replied === 0}
              title={replied === 0 ? 'Answer at least one question first' : undefined}
            >
              Finish
            </button>
          )}
        </header>

        <Transcript opening={opening} turns={state.turns} onRetry={onRetry} onDiscard={onDiscard} />

        {finishing === 'yes' ? (
          <FinishProgress sessionId={session.id!} turns={replied} signal={signal} onNewSession={onNewSession} onClosed={() => setClosed(true)} />
        ) : finishing === 'confirm' ? (
          <div className="cp-confirm" role="group" aria-labelledby="cp-confirm-title">
            <p id="cp-confirm-title">
              <strong>Finish the conversation?</strong> The co-pilot writes your Brief from what you said. You can always start another to add to it.
            </p>
            <div className="cp-finish__actions">
              <button ref={confirmRef} type="button" className="button button--primary" onClick={() => setFinishing('yes')}>
                Finish and write my Brief
              </button>
              <button type="button" className="button button--ghost" onClick={() => setFinishing('no')}>
                Keep talking
              </button>
            </div>
          </div>
        ) : closed ? (
          <div className="cp-confirm" role="status">
            <p>This conversation has ended.</p>
            <div className="cp-finish__actions">
              <button type="button" className="button button--primary" onClick={onNewSession}>
                Start a new conversation
              </button>
              <a className="button" href="/brief">
                Open your Brief
              </a>
            </div>
          </div>
        ) : (
          <Composer
            value={draft}
            onChange={setDraft}
            kind={kind}
            onKind={setKind}
            onSend={onSend}
            busy={busy}
            blocked={failed ? 'Try the message above again, or edit it, first.' : undefined}
            question={question}
          />
        )}
      </section>
      <FormingPanel forming={panel} latestTurn={latestTurn} />
    </div>
  );
}

export const { mount, update, unmount } = reactApp(CopilotApp, { stylesheet });
