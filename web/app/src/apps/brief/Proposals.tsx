// Proposed changes to the Brief waiting for the owner (GET
// /brief/proposals?status=pending): each field now and as proposed, with
// the owner's words it came from; accept, or reject with a reason; for one
// the Brief has moved past, ask the co-pilot again.
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import type { SectionId } from './edit';
import { proposer, type Proposed } from './propose';
import { SourceValue } from './SourceValue';
import { findField, formatValue, formatWhen, formatDateTime, sectionTitle, type Brief, type SectionSpec } from './vocab';

export type Proposal = NonNullable<import('../../lib/api').ResponseData<'/api/v1/brief/proposals/{proposalID}', 'get'>>;

export interface PendingQuery {
  data: Proposal[] | undefined;
  error: unknown;
  loading: boolean;
  retry: () => void;
}

export function ProposalList({
  pending,
  brief,
  specs,
  fresh,
  onDecided,
  onProposed,
}: {
  pending: PendingQuery;
  brief: Brief | null | undefined;
  specs: SectionSpec[];
  /** The id of a proposal the owner just asked for: marked, and focused. */
  fresh?: string;
  /** A proposal was decided: the Brief and the list change. */
  onDecided: () => void;
  /** The co-pilot, asked again, proposed: the list changes. */
  onProposed: (r: Proposed) => void;
}) {
  if (pending.error) return <InlineError error={pending.error} onRetry={pending.retry} />;
  if (!pending.data) return <Skeleton lines={5} label="Loading the proposals" />;
  if (pending.data.length === 0)
    return (
      <div className="card bf-empty bf-empty--small">
        <h2>Nothing to review</h2>
        <p className="bf-muted">
          When the co-pilot hears something that differs from a value you set yourself, it asks here before changing your Brief.
        </p>
      </div>
    );
  return (
    <section aria-labelledby="bf-proposals-title">
      <h2 id="bf-proposals-title" className="visually-hidden">
        Pending proposals
      </h2>
      <p className="bf-muted bf-lead">
        {pending.data.length === 1 ? 'One proposed change waits' : `${pending.data.length} proposed changes wait`} for you. Nothing changes in your Brief until you accept.
      </p>
      <ul className="bf-proposals">
        {pending.data.map((p) => (
          <li key={p.id}>
            <ProposalCard proposal={p} brief={brief} specs={specs} fresh={p.id === fresh} onDecided={onDecided} onProposed={onProposed} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function ProposalCard({
  proposal: p,
  brief,
  specs,
  fresh,
  onDecided,
  onProposed,
}: {
  proposal: Proposal;
  brief: Brief | null | undefined;
  specs: SectionSpec[];
  fresh: boolean;
  onDecided: () => void;
  onProposed: (r: Proposed) => void;
}) {
  const id = useId();
  const [mode, setMode] = useState<'idle' | 'rejecting' | 'accepting' | 'sending-reject' | 'asking'>('idle');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const keys = useRef({ accept: api.newActionKey(), reject: api.newActionKey() });
  const [propose] = useState(() => proposer());
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const refocusAsk = useRef(false);
  const section = p.section ?? '';
  const current = brief?.data?.sections?.[section]?.fields ?? {};
  const stale = brief?.version !== undefined && p.based_on_version !== undefined && p.based_on_version !== brief.version;

  useEffect(() => {
    if (mode === 'rejecting') reasonRef.current?.focus();
    // Back from asking again with nothing new or a failure, the focus returns to the button (enabled again).
    if (mode === 'idle' && refocusAsk.current) askRef.current?.focus();
    refocusAsk.current = false;
  }, [mode]);

  // The proposal the owner just asked for takes the focus (it replaced the
  // card they asked from).
  useEffect(() => {
    if (fresh) titleRef.current?.focus();
  }, [fresh]);

  // Stale: the same request as the section card's, with the words the owner gave then.
  const askAgain = async () => {
    setMode('asking');
    setError(null);
    setNote(null);
    try {
      const r = await propose(section as SectionId, p.instruction ?? '');
      if (r.kind === 'nothing') setNote(r.detail);
      else onProposed(r); // the new proposal takes the focus
      refocusAsk.current = r.kind === 'nothing';
    } catch (e) {
      setError(e);
      refocusAsk.current = true;
    }
    setMode('idle');
  };

  const accept = async () => {
    setMode('accepting');
    setError(null);
    try {
      const { data } = await api.post('/api/v1/brief/proposals/{proposalID}/accept', { path: { proposalID: p.id! }, idempotencyKey: keys.current.accept });
      pushToast(data.accepted_version ? `Accepted: your Brief is now at version ${data.accepted_version}.` : 'Accepted.', { tone: 'success' });
      onDecided();
    } catch (e) {
      setError(e);
      setMode('idle');
    }
  };

  const reject = async (e: React.FormEvent) => {
    e.preventDefault();
    setMode('sending-reject');
    setError(null);
    try {
      await api.post('/api/v1/brief/proposals/{proposalID}/reject', {
        path: { proposalID: p.id! },
        body: reason.trim() ? { reason: reason.trim() } : {},
        idempotencyKey: keys.current.reject,
      });
      pushToast('Proposal rejected. Your Brief stays as it is.');
      onDecided();
    } catch (err) {
      keys.current.reject = api.newActionKey(); // the reason may change before the next try
      setError(err);
      setMode('rejecting');
    }
  };

  const busy = mode === 'accepting' || mode === 'sending-reject' || mode === 'asking';

  return (
    <article className={`card bf-proposal${fresh ? ' bf-proposal--fresh' : ''}`} aria-labelledby={`${id}-t`}>
      <header className="bf-proposal__head">
        <div>
          <h3 id={`${id}-t`} ref={titleRef} tabIndex={fresh ? -1 : undefined}>
            {sectionTitle(section)}
            {fresh && <span className="bf-badge bf-badge--fresh">New</span>}
          </h3>
          <p className="bf-muted bf-small">
            {p.kind === 'update' ? 'Your words now say something else than a value you set' : 'A suggested change'} ·{' '}
            <time dateTime={p.created_at} title={formatDateTime(p.created_at)}>
              {formatWhen(p.created_at)}
            </time>{' '}
            · based on version {p.based_on_version}
          </p>
        </div>
        <span className={`bf-badge${p.kind === 'update' ? ' bf-badge--update' : ''}`}>{p.kind === 'update' ? 'Update' : 'Suggestion'}</span>
      </header>
      {p.instruction && <p className="bf-instruction">“{p.instruction}”</p>}
      <table className="bf-compare-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Now</th>
            <th scope="col">Proposed</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(p.fields ?? {}).map(([name, f]) => {
            const spec = findField(specs, section, name);
            const now = current[name];
            return (
              <tr key={name}>
                <th scope="row">{spec.title}</th>
                <td className="bf-now">{now ? formatValue(now.value, spec.kind, section, name) : <span className="bf-muted">Not set</span>}</td>
                <td className="bf-proposed">
                  <SourceValue field={{ ...f, origin: 'proposal' }}>{formatValue(f.value, spec.kind, section, name)}</SourceValue>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {stale && (
        <p className="notice bf-notice--warning bf-small">
          Your Brief changed after this was proposed (it is at version {brief?.version}). It can no longer be accepted as it is; reject it, or ask the co-pilot again.
        </p>
      )}
      <div role="status" className="bf-proposal__note">
        {mode === 'asking' ? <p className="bf-muted bf-small">Reading what you told the co-pilot…</p> : note && <p className="notice bf-note">{note}</p>}
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error instanceof ApiError ? error.detail : 'Something went wrong. Please try again.'}
        </p>
      ) : null}
      {mode === 'rejecting' || mode === 'sending-reject' ? (
        <form className="bf-reject" onSubmit={reject}>
          <label htmlFor={`${id}-reason`} className="bf-label">
            Why not? <span className="field-optional">(optional, helps the co-pilot)</span>
          </label>
          <textarea
            id={`${id}-reason`}
            ref={reasonRef}
            className="bf-input"
            rows={2}
            maxLength={2000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setMode('idle')}
          />
          <div className="bf-proposal__actions">
            <button type="submit" className="button bf-button--danger" disabled={busy}>
              {mode === 'sending-reject' ? 'Rejecting…' : 'Reject proposal'}
            </button>
            <button type="button" className="button button--ghost" onClick={() => setMode('idle')} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="bf-proposal__actions">
          <button type="button" className="button button--primary" onClick={accept} disabled={busy || stale}>
            {mode === 'accepting' ? 'Accepting…' : 'Accept'}
          </button>
          <button type="button" className="button" onClick={() => setMode('rejecting')} disabled={busy}>
            Reject…
          </button>
          {stale && (
            <button ref={askRef} type="button" className="button button--ghost bf-ask" onClick={askAgain} disabled={busy} aria-label={`Ask the co-pilot again about ${sectionTitle(section)}`}>
              <span aria-hidden="true">✦</span>
              Ask the co-pilot again
            </button>
          )}
        </div>
      )}
    </article>
  );
}
