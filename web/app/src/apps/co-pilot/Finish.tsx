// Finishing: the session ends, the Brief's generation starts, and this
// follows it (GET /workflows/{id}) until the Brief is ready.
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { finish, follow, type Finished, type WorkflowStatus } from './session';

type Stage =
  | { kind: 'closing' }
  | { kind: 'writing'; done: Finished; status?: WorkflowStatus }
  | { kind: 'ready'; done: Finished; status: WorkflowStatus }
  | { kind: 'nothing'; done: Finished }
  | { kind: 'failed'; done?: Finished; status?: WorkflowStatus; error?: unknown };

const detail = (e: unknown) => (e instanceof ApiError ? e.detail : 'Something went wrong. Please try again.');

export function FinishProgress({
  sessionId,
  turns,
  signal,
  onNewSession,
  onClosed,
}: {
  sessionId: string;
  turns: number;
  signal: AbortSignal;
  onNewSession: () => void;
  onClosed: () => void;
}) {
  const [stage, setStage] = useState<Stage>({ kind: 'closing' });
  const [attempt, setAttempt] = useState(0);
  const key = useRef(api.newActionKey());
  const finished = useRef<Promise<Finished> | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    // One finish per owner's click, even if this effect runs again (the key is kept for "Try again").
    finished.current ??= finish(sessionId, key.current).then((done) => {
      onClosed();
      return done;
    });
    const p = finished.current;
    (async () => {
      let done: Finished | undefined;
      try {
        done = await p;
        if (abort.signal.aborted) return;
        const wf = done.generation_workflow_id;
        if (!wf) return setStage({ kind: 'nothing', done });
        setStage({ kind: 'writing', done });
        const final = await follow(wf, (status) => !abort.signal.aborted && setStage({ kind: 'writing', done: done!, status }), abort.signal);
        if (abort.signal.aborted) return;
        setStage(final.status === 'COMPLETED' ? { kind: 'ready', done, status: final } : { kind: 'failed', done, status: final });
      } catch (error) {
        if (abort.signal.aborted) return;
        if (!done) finished.current = null; // the finish itself failed: a retry sends it again (same key)
        setStage({ kind: 'failed', done, error });
      }
    })();
    return () => {
      abort.abort();
      signal.removeEventListener('abort', stop);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionId, attempt]);

  const retry = () => {
    setStage({ kind: 'closing' });
    setAttempt((n) => n + 1);
  };

  return (
    <section className="cp-finish" aria-labelledby="cp-finish-title">
      <div aria-live="polite" className="cp-finish__body">
        {stage.kind === 'closing' && (
          <>
            <h2 id="cp-finish-title">Wrapping up…</h2>
            <p className="cp-muted">Closing the conversation.</p>
            <div className="cp-progress" aria-hidden="true" />
          </>
        )}
        {stage.kind === 'writing' && (
          <>
            <h2 id="cp-finish-title">Writing your Brief…</h2>
            <p className="cp-muted">
              Reading {turns === 1 ? 'your answer' : `your ${turns} answers`} again and putting them in order. This usually takes a few seconds.
            </p>
            <div className="cp-progress" aria-hidden="true" />
          </>
        )}
        {stage.kind === 'ready' && <Ready status={stage.status} onNewSession={onNewSession} />}
        {stage.kind === 'nothing' && (
          <>
            <h2 id="cp-finish-title">Conversation closed</h2>
            <p className="cp-muted">You didn't tell the co-pilot anything yet, so there is no Brief to write.</p>
            <div className="cp-finish__actions">
              <button type="button" className="button button--primary" onClick={onNewSession}>
                Start a new conversation
              </button>
            </div>
          </>
        )}
        {stage.kind === 'failed' && (
          <div role="alert">
            <h2 id="cp-finish-title">{stage.done ? "Your Brief isn't ready" : "We couldn't finish the conversation"}</h2>
            <p className="cp-error-text">
              {stage.error
                ? detail(stage.error)
                : `Writing the Brief stopped (${(stage.status?.status ?? 'failed').toLowerCase().replace(/_/g, ' ')}).`}
            </p>
            <div className="cp-finish__actions">
              <button type="button" className="button" onClick={retry}>
                Try again
              </button>
              {stage.done && (
                <a className="button button--ghost" href="/brief">
                  Open the Brief
                </a>
              )}
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

function Ready({ status, onNewSession }: { status: WorkflowStatus; onNewSession: () => void }) {
  const result = (status.result ?? {}) as { version?: unknown; proposals?: unknown; changed?: unknown };
  const version = typeof result.version === 'number' ? result.version : undefined;
  const proposals = typeof result.proposals === 'number' ? result.proposals : 0;
  return (
    <>
      <h2 id="cp-finish-title">
        <span className="cp-check" aria-hidden="true">
          ✓
        </span>{' '}
        Your Brief is ready
      </h2>
      <p className="cp-muted">
        {version ? `Version ${version} holds what you told the co-pilot.` : 'It holds what you told the co-pilot.'}
        {proposals > 0 && ` ${proposals === 1 ? 'One change needs' : `${proposals} changes need`} your review.`}
      </p>
      <div className="cp-finish__actions">
        <a className="button button--primary" href="/brief">
          Open your Brief
        </a>
        {proposals > 0 && (
          <a className="button" href="/brief/proposals">
            Review {proposals === 1 ? 'the change' : 'changes'}
          </a>
        )}
        <button type="button" className="button button--ghost" onClick={onNewSession}>
          Start a new conversation
        </button>
      </div>
    </>
  );
}
