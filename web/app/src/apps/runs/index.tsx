/// <reference types="vite/client" />
// The runs app (/runs, /runs?status=open|redriven|discarded|all): the org's
// failed workflow runs (dead letters), each with its cause, attempts and
// input; re-drive it with the same input or an edited one, or discard it;
// open it in Temporal UI. Owners and admins only (the API answers 403 to
// members). It loads on mount, on Refresh and after a burst of live
// xentri.workflow.failed.v1 events (./live.ts).
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../lib/api';
import { reactApp, type AppProps } from '../../lib/react-app';
import { $currentOrg } from '../../lib/stores';
import { InlineError, Skeleton, StrokeIcon as Icon } from '../../lib/ui';
import { useLiveRuns } from './live';
import {
  argumentCount,
  checkInput,
  filterLabel,
  filterOf,
  loadDeadLetters,
  prettyJson,
  replace,
  statusLabel,
  toDeadLetter,
  when,
  workflowName,
  type DeadLetter,
  type Status,
} from './model';
import stylesheet from './runs.css?url';


const filters: readonly (Status | 'all')[] = ['open', 'redriven', 'discarded', 'all'];

function RunsApp({ ctx }: AppProps) {
  const org = useStore($currentOrg);
  const filter = filterOf(ctx.search);
  const [attempt, setAttempt] = useState(0); // Refresh: reload, each letter afresh
  const [stale, setStale] = useState(0); // a live event: reload, keeping an open editor or confirmation
  const [state, setState] = useState<{ loading: boolean; items?: DeadLetter[]; more?: boolean; error?: unknown }>({ loading: true });
  const [announce, setAnnounce] = useState('');
  const member = org?.role === 'member';

  useEffect(() => {
    if (member) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadDeadLetters(filter === 'all' ? undefined : filter, abort.signal).then(
      ({ items, more }) => {
        if (abort.signal.aborted) return;
        setState({ loading: false, items, more });
        setAnnounce(items.length === 1 ? '1 failed run.' : `${items.length} failed runs.`);
      },
      (error) => !abort.signal.aborted && setState((s) => ({ ...s, loading: false, error })),
    );
    return () => abort.abort();
  }, [filter, attempt, stale, member]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  useLiveRuns(() => setStale((n) => n + 1));

  const setFilter = (f: Status | 'all') => ctx.navigate(f === 'open' ? ctx.base : `${ctx.base}?status=${f}`, { replace: true });
  const onChanged = (d: DeadLetter, message: string) => {
    setState((s) => ({ ...s, items: s.items && replace(s.items, d) }));
    setAnnounce(message);
  };

  const forbidden = member || (state.error instanceof ApiError && state.error.status === 403);
  if (forbidden)
    return (
      <div className="runs">
        <NotAllowed />
      </div>
    );

  const first = state.loading && !state.items;
  return (
    <section className="runs" aria-labelledby="runs-heading">
      <div className="runs__intro">
        <h2 id="runs-heading" className="runs__heading">
          Failed runs
        </h2>
        <p className="runs__lead">
          Work Xentri does in the background (publishing, follow-ups, Brief generation) is retried on its own. What still
          fails lands here: fix the cause, then run it again or let it go.
        </p>
      </div>
      <div className="runs__toolbar">
        <div className="runs__filter" role="group" aria-label="Show">
          {filters.map((f) => (
            <button key={f} type="button" className="runs__seg" aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {filterLabel[f]}
            </button>
          ))}
        </div>
        <button type="button" className="button button--ghost" onClick={refresh} disabled={state.loading} aria-label="Refresh failed runs">
          <Icon d={['M21 12a9 9 0 1 1-2.64-6.36', 'M21 3v6h-6']} className={state.loading && !first ? 'runs__spin' : undefined} />
          <span className="runs__hide-narrow">Refresh</span>
        </button>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {state.loading && !first ? 'Refreshing…' : announce}
      </p>

      {first ? (
        <div className="card">
          <Skeleton lines={5} label="Loading failed runs" />
        </div>
      ) : state.error && !state.items ? (
        <InlineError error={state.error} onRetry={refresh} />
      ) : (
        <>
          {state.error ? <InlineError error={state.error} onRetry={refresh} /> : null}
          {state.more && (
            <div className="notice">
              <p>Only the first 4,000 are shown. Discard the ones you have dealt with to see the rest.</p>
            </div>
          )}
          {state.items?.length ? (
            <ul className="runs__list">
              {state.items.map((d) => (
                // A reload starts each letter afresh (its notices were about the previous one).
                <li key={`${d.id}/${filter}/${attempt}`}>
                  <Letter d={d} onChanged={onChanged} />
                </li>
              ))}
            </ul>
          ) : (
            <Empty filter={filter} onShowAll={() => setFilter('all')} />
          )}
        </>
      )}
    </section>
  );
}


type Mode = 'idle' | 'edit' | 'discard';

function Letter({ d, onChanged }: { d: DeadLetter; onChanged: (d: DeadLetter, message: string) => void }) {
  const [mode, setMode] = useState<Mode>('idle');
  const [busy, setBusy] = useState<'redrive' | 'discard' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const headingId = useId();
  const name = workflowName(d.workflowType);

  const redrive = async (input?: unknown[]) => {
    setBusy('redrive');
    setError(null);
    try {
      const { data } = await api.post('/api/v1/ops/dead-letters/{deadLetterID}/redrive', {
        path: { deadLetterID: d.id },
        body: input === undefined ? undefined : { input },
      });
      const next = toDeadLetter(data) ?? { ...d, status: 'redriven' as const };
      const msg = `${name} is running again.`;
      setDone(msg);
      setMode('idle');
      onChanged(next, msg);
    } catch (e) {
      setError(failure(e, 're-drive this run'));
    } finally {
      setBusy(null);
    }
  };

  const discard = async () => {
    setBusy('discard');
    setError(null);
    try {
      await api.post('/api/v1/ops/dead-letters/{deadLetterID}/discard', { path: { deadLetterID: d.id } });
      const msg = `${name} was discarded; it will not run again.`;
      setDone(msg);
      setMode('idle');
      onChanged({ ...d, status: 'discarded' }, msg);
    } catch (e) {
      setError(failure(e, 'discard this run'));
    } finally {
      setBusy(null);
    }
  };

  return (
    <article className={`card runs__item runs__item--${d.status}`} aria-labelledby={headingId}>
      <header className="runs__head">
        <div className="runs__title">
          <h3 id={headingId}>{name}</h3>
          <span className={`runs__badge runs__badge--${d.status}`}>{statusLabel[d.status]}</span>
        </div>
        {d.temporalUiUrl && (
          <a className="runs__temporal" href={d.temporalUiUrl} target="_blank" rel="noopener noreferrer">
            Open in Temporal
            <Icon d={['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5']} size={14} />
            <span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        )}
      </header>

      <dl className="runs__facts">
        <div>
          <dt>Failed</dt>
          <dd>
            <time dateTime={d.createdAt}>{when(d.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{d.attempts}</dd>
        </div>
        <div className="runs__fact-wide">
          <dt>Workflow</dt>
          <dd>
            <code title="Workflow id">{d.workflowId}</code>
            <span className="runs__type"> · {d.workflowType}</span>
          </dd>
        </div>
      </dl>

      <div className="runs__cause">
        <p className="runs__cause-type">{d.failureType || 'Failure'}</p>
        <p className="runs__cause-message">{d.failureMessage || 'The workflow failed without a message.'}</p>
      </div>

      <details className="runs__input">
        <summary>
          Input <span className="runs__muted">· {argumentCount(d.input)}</span>
        </summary>
        <pre tabIndex={0} aria-label={`Input of ${name}`}>
          {prettyJson(d.input)}
        </pre>
      </details>

      {d.status === 'redriven' && d.redriveRunId && (
        <p className="runs__muted runs__after">
          Re-driven as run <code>{d.redriveRunId}</code>.
        </p>
      )}
      {done && (
        <div className="notice notice--success runs__after" role="status">
          <p>{done}</p>
        </div>
      )}
      {error && (
        <div className="notice notice--error runs__after" role="alert">
          <p>{error}</p>
        </div>
      )}

      {d.status === 'open' && mode === 'idle' && (
        <div className="runs__actions">
          <button type="button" className="button button--primary" onClick={() => redrive()} disabled={busy !== null}>
            <Icon d={['M5 3l14 9-14 9z']} size={14} />
            {busy === 'redrive' ? 'Re-driving…' : 'Re-drive'}
          </button>
          <button type="button" className="button" onClick={() => setMode('edit')} disabled={busy !== null}>
            Edit input and re-drive
          </button>
          <button type="button" className="button button--ghost runs__danger" onClick={() => setMode('discard')} disabled={busy !== null}>
            Discard
          </button>
        </div>
      )}
      {d.status === 'open' && mode === 'edit' && (
        <InputEditor
          initial={prettyJson(d.input)}
          busy={busy === 'redrive'}
          onSubmit={(input) => redrive(input)}
          onCancel={() => setMode('idle')}
        />
      )}
      {d.status === 'open' && mode === 'discard' && (
        <Confirm
          question={`Discard this ${name.toLowerCase()} run? It will not run again.`}
          action={busy === 'discard' ? 'Discarding…' : 'Discard'}
          busy={busy === 'discard'}
          onConfirm={discard}
          onCancel={() => setMode('idle')}
        />
      )}
    </article>
  );
}

/** InputEditor: the input as JSON, checked as a JSON array before it is sent. */
function InputEditor(props: { initial: string; busy: boolean; onSubmit: (input: unknown[]) => void; onCancel: () => void }) {
  const [text, setText] = useState(props.initial);
  const [touched, setTouched] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const check = checkInput(text);
  const showError = touched && !check.ok;

  useEffect(() => ref.current?.focus(), []);

  const submit = () => {
    setTouched(true);
    if (!check.ok) {
      ref.current?.focus();
      return;
    }
    props.onSubmit(check.input);
  };

  return (
    <form
      className="runs__editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor={`${id}-input`} className="runs__editor-label">
        Input <span className="runs__muted">(the workflow’s arguments, a JSON array)</span>
      </label>
      <textarea
        ref={ref}
        id={`${id}-input`}
        className="runs__textarea"
        value={text}
        spellCheck={false}
        rows={Math.min(16, Math.max(5, text.split('\n').length + 1))}
        aria-invalid={showError}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value);
          setTouched(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            submit();
          }
          if (e.key === 'Escape') props.onCancel();
        }}
      />
      <p id={`${id}-hint`} className={showError ? 'field-error' : 'field-hint'} aria-live="polite">
        {showError && !check.ok ? check.error : 'It runs again under the same workflow id. Ctrl+Enter re-drives.'}
      </p>
      <div className="runs__actions">
        <button type="submit" className="button button--primary" disabled={props.busy}>
          {props.busy ? 'Re-driving…' : 'Re-drive with this input'}
        </button>
        <button type="button" className="button button--ghost" onClick={() => setText(props.initial)} disabled={props.busy || text === props.initial}>
          Reset
        </button>
        <button type="button" className="button button--ghost" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Confirm(props: { question: string; action: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      className="runs__confirm"
      role="group"
      aria-label="Confirm"
      onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
    >
      <p>{props.question}</p>
      <div className="runs__actions">
        <button type="button" className="button runs__danger-solid" onClick={props.onConfirm} disabled={props.busy}>
          {props.action}
        </button>
        <button ref={ref} type="button" className="button button--ghost" onClick={props.onCancel} disabled={props.busy}>
          Keep it
        </button>
      </div>
    </div>
  );
}

function Empty({ filter, onShowAll }: { filter: Status | 'all'; onShowAll: () => void }) {
  const text: Record<Status | 'all', [string, string]> = {
    open: ['Nothing needs your attention', 'Every background run finished, or was retried until it did.'],
    redriven: ['No re-driven runs', 'Runs you start again from here are listed under this filter.'],
    discarded: ['No discarded runs', 'Runs you let go are listed under this filter.'],
    all: ['No failed runs yet', 'When a background run fails for good, it shows up here so you can run it again.'],
  };
  const [title, body] = text[filter];
  return (
    <div className="card runs__empty">
      <span className="runs__empty-icon" aria-hidden="true">
        <Icon d={['M20 6L9 17l-5-5']} size={22} />
      </span>
      <p className="runs__empty-title">{title}</p>
      <p className="runs__muted">{body}</p>
      {filter !== 'all' && (
        <button type="button" className="button" onClick={onShowAll}>
          Show all
        </button>
      )}
    </div>
  );
}

function NotAllowed() {
  return (
    <section className="card runs__denied" aria-labelledby="runs-denied">
      <h2 id="runs-denied">Only owners and admins can see failed runs</h2>
      <p className="runs__muted">
        Failed runs can hold customer details and can be started again, so they are kept to the people who manage this
        organisation. Ask an owner or an admin to look, or to give you the admin role in Settings → Members.
      </p>
    </section>
  );
}

function failure(e: unknown, what: string): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `Only owners and admins can ${what}.`;
    if (e.status === 409) return `${e.detail} Refresh to see where it stands.`;
    if (e.status === 400 && e.fields.input) return `The input was refused: ${e.fields.input}.`;
    return `We couldn’t ${what}. ${e.detail}`;
  }
  return `We couldn’t ${what}. Please try again.`;
}

export const { mount, update, unmount } = reactApp(RunsApp, { stylesheet });
