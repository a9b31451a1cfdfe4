// The Brief's history: its versions (GET /brief/versions), and one version
// with what it changed (GET /brief/versions/{n}/diff) and a restore that
// asks first (POST /brief/versions/{n}/restore).
import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { $user, pushToast } from '../../lib/stores';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { changeSummary, diffRows, diffSummary, type DiffGroup } from './diff';
import { formatDateTime, formatWhen, type Brief, type SectionSpec } from './vocab';

export type Version = NonNullable<import('../../lib/api').ResponseData<'/api/v1/brief/versions/{n}', 'get'>>;
type Author = Version['author'];

/** What a version did, for people: the server's summary names fields by their ids. */
export function versionTitle(v: Pick<Version, 'changes' | 'restored_from' | 'summary'>, specs: SectionSpec[]): string {
  if (v.restored_from) return `Restored version ${v.restored_from}`;
  return (v.changes && changeSummary(v.changes, specs)) || v.summary || 'No changes';
}

/** Who made a version, for people. */
export function authorLabel(author: Author, me: string | undefined): string {
  switch (author?.type) {
    case 'copilot':
      return 'the co-pilot';
    case 'proposal':
      return 'an accepted proposal';
    case 'user':
      if (author.id?.startsWith('api-token:')) return 'an API token';
      return author.id && author.id === me ? 'you' : 'a teammate';
    default:
      return 'someone';
  }
}

export function VersionList({ current, specs }: { current: number | undefined; specs: SectionSpec[] }) {
  const me = useStore($user)?.id;
  const [pages, setPages] = useState<{ items: Version[]; next?: string }>({ items: [] });
  const [more, setMore] = useState<{ loading: boolean; error?: unknown }>({ loading: false });
  const first = useQuery((signal) => api.get('/api/v1/brief/versions', { query: { limit: 25 }, signal }), [current]);

  useEffect(() => {
    if (first.data) setPages({ items: first.data.data, next: first.data.meta.next_cursor });
  }, [first.data]);

  const loadMore = async () => {
    if (!pages.next) return;
    setMore({ loading: true });
    try {
      const r = await api.get('/api/v1/brief/versions', { query: { limit: 25, cursor: pages.next } });
      setPages((p) => ({ items: [...p.items, ...r.data], next: r.meta.next_cursor }));
      setMore({ loading: false });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };

  if (first.error) return <InlineError error={first.error} onRetry={first.retry} />;
  if (!first.data) return <Skeleton lines={6} label="Loading the history" />;
  if (pages.items.length === 0) return <p className="bf-muted">No versions yet.</p>;

  return (
    <section aria-labelledby="bf-versions-title">
      <h2 id="bf-versions-title" className="visually-hidden">
        Versions
      </h2>
      <ol className="bf-timeline">
        {pages.items.map((v) => (
          <li key={v.number} className="bf-timeline__item">
            <a className="bf-version" href={`/brief/versions/${v.number}`}>
              <span className="bf-version__num">v{v.number}</span>
              <span className="bf-version__body">
                <span className="bf-version__summary" title={v.summary}>
                  {versionTitle(v, specs)}
                </span>
                <span className="bf-version__meta">
                  By {authorLabel(v.author, me)} · <time dateTime={v.created_at} title={formatDateTime(v.created_at)}>{formatWhen(v.created_at)}</time>
                  {v.changes ? ` · ${v.changes.length} ${v.changes.length === 1 ? 'change' : 'changes'}` : ''}
                </span>
              </span>
              {v.number === current && <span className="bf-badge bf-badge--current">Current</span>}
              <span className="bf-version__go" aria-hidden="true">
                ›
              </span>
            </a>
          </li>
        ))}
      </ol>
      {more.error ? <InlineError error={more.error} onRetry={loadMore} /> : null}
      {pages.next && (
        <button type="button" className="button bf-more" onClick={loadMore} disabled={more.loading}>
          {more.loading ? 'Loading…' : 'Show older versions'}
        </button>
      )}
    </section>
  );
}

export function VersionDetail({
  n,
  current,
  specs,
  search,
  navigate,
  onRestored,
}: {
  n: number;
  current: number | undefined;
  specs: SectionSpec[];
  search: URLSearchParams;
  navigate: (to: string, opts?: { replace?: boolean }) => void;
  onRestored: (b: Brief) => void;
}) {
  const me = useStore($user)?.id;
  const fromParam = search.get('from');
  const from = fromParam !== null && /^\d+$/.test(fromParam) && Number(fromParam) < n ? Number(fromParam) : n - 1;
  const version = useQuery((signal) => api.get('/api/v1/brief/versions/{n}', { path: { n }, signal }).then((r) => r.data), [n]);
  const diff = useQuery(
    (signal) => api.get('/api/v1/brief/versions/{n}/diff', { path: { n }, query: { from }, signal }).then((r) => r.data),
    [n, from],
  );

  if (version.error) {
    if (version.error instanceof ApiError && version.error.status === 404)
      return (
        <div className="notice" role="status">
          <p>There is no version {n} of your Brief.</p>
          <a href="/brief/versions">See all versions</a>
        </div>
      );
    return <InlineError error={version.error} onRetry={version.retry} />;
  }
  const v = version.data;
  const groups = diff.data ? diffRows(diff.data.changes ?? [], specs) : [];

  return (
    <div className="bf-detail">
      <a className="bf-back" href="/brief/versions">
        ‹ All versions
      </a>
      {!v ? (
        <Skeleton lines={2} label={`Loading version ${n}`} />
      ) : (
        <header className="bf-detail__head">
          <div>
            <h2>
              Version {n} {n === current && <span className="bf-badge bf-badge--current">Current</span>}
            </h2>
            <p className="bf-muted" title={v.summary}>
              {versionTitle(v, specs)} · By {authorLabel(v.author, me)},{' '}
              <time dateTime={v.created_at} title={formatDateTime(v.created_at)}>
                {formatWhen(v.created_at)}
              </time>
            </p>
          </div>
          {current !== undefined && n !== current && <Restore n={n} current={current} onRestored={onRestored} />}
        </header>
      )}

      <section className="card bf-diff" aria-labelledby="bf-diff-title">
        <div className="bf-diff__head">
          <h3 id="bf-diff-title">What changed</h3>
          {n > 1 && (
            <label className="bf-compare">
              <span>Compared with</span>
              <select
                className="select"
                value={from}
                onChange={(e) => navigate(`/brief/versions/${n}${Number(e.target.value) === n - 1 ? '' : `?from=${e.target.value}`}`, { replace: true })}
              >
                {Array.from({ length: n }, (_, i) => n - 1 - i).map((k) => (
                  <option key={k} value={k}>
                    {k === 0 ? 'An empty Brief' : k === n - 1 ? `The version before (v${k})` : `Version ${k}`}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <div aria-live="polite" aria-busy={diff.loading || undefined}>
          {diff.error ? (
            <InlineError error={diff.error} onRetry={diff.retry} />
          ) : !diff.data ? (
            <Skeleton lines={4} label="Loading the changes" />
          ) : (
            <>
              <p className="bf-muted bf-diff__summary">{diffSummary(groups)}</p>
              <DiffView groups={groups} />
            </>
          )}
        </div>
      </section>
    </div>
  );
}

const OP_LABEL = { added: 'Added', changed: 'Changed', removed: 'Removed' } as const;

export function DiffView({ groups }: { groups: DiffGroup[] }) {
  return (
    <div className="bf-diff__groups">
      {groups.map((g) => (
        <section key={g.section} className="bf-diff__group" aria-label={g.title}>
          <h4>{g.title}</h4>
          <ul>
            {g.rows.map((r) => (
              <li key={r.field} className={`bf-change bf-change--${r.op}`}>
                <div className="bf-change__head">
                  <span className="bf-change__field">{r.title}</span>
                  <span className={`bf-op bf-op--${r.op}`}>{OP_LABEL[r.op]}</span>
                </div>
                {r.items ? (
                  <ul className="bf-items" aria-label={`${r.title}, entries`}>
                    {r.items.map((it, i) => (
                      <li key={i} className={`bf-item bf-item--${it.state}`}>
                        {it.state === 'added' ? <ins>{it.text}</ins> : it.state === 'removed' ? <del>{it.text}</del> : <span>{it.text}</span>}
                        {it.state !== 'kept' && <span className="visually-hidden"> ({it.state})</span>}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="bf-change__values">
                    {r.from && (
                      <del>
                        <span className="visually-hidden">Before: </span>
                        {r.from}
                      </del>
                    )}
                    {r.from && r.to && (
                      <span className="bf-arrow" aria-hidden="true">
                        →
                      </span>
                    )}
                    {r.to && (
                      <ins>
                        <span className="visually-hidden">After: </span>
                        {r.to}
                      </ins>
                    )}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Restore({ n, current, onRestored }: { n: number; current: number; onRestored: (b: Brief) => void }) {
  const [step, setStep] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [error, setError] = useState<unknown>(null);
  const key = useRef(api.newActionKey());
  const confirmBtn = useRef<HTMLButtonElement>(null);
  const openBtn = useRef<HTMLButtonElement>(null);

  const before = useRef(step);
  useEffect(() => {
    if (step === 'confirm' && before.current === 'idle') confirmBtn.current?.focus();
    if (step === 'idle' && before.current !== 'idle') openBtn.current?.focus();
    before.current = step;
  }, [step]);

  const restore = async () => {
    setStep('busy');
    setError(null);
    try {
      const { data } = await api.post('/api/v1/brief/versions/{n}/restore', { path: { n }, idempotencyKey: key.current });
      pushToast(data.version === current ? 'Your Brief already holds this version.' : `Version ${n} restored as version ${data.version}.`, { tone: 'success' });
      onRestored(data);
    } catch (e) {
      setError(e);
      setStep('confirm');
    }
  };

  if (step === 'idle')
    return (
      <button ref={openBtn} type="button" className="button" onClick={() => setStep('confirm')}>
        Restore this version
      </button>
    );
  return (
    <div
      className="bf-confirm"
      role="alertdialog"
      aria-labelledby="bf-restore-q"
      aria-describedby="bf-restore-d"
      onKeyDown={(e) => e.key === 'Escape' && step !== 'busy' && setStep('idle')}
    >
      <p id="bf-restore-q">
        <strong>Restore version {n}?</strong>
      </p>
      <p id="bf-restore-d" className="bf-muted">
        This makes version {current + 1} with what version {n} held. Version {current} stays in the history.
      </p>
      {error ? <p className="field-error">{error instanceof ApiError ? error.detail : 'Something went wrong. Please try again.'}</p> : null}
      <div className="bf-confirm__actions">
        <button ref={confirmBtn} type="button" className="button button--primary" onClick={restore} disabled={step === 'busy'}>
          {step === 'busy' ? 'Restoring…' : `Restore version ${n}`}
        </button>
        <button
          type="button"
          className="button button--ghost"
          onClick={() => setStep('idle')}
          disabled={step === 'busy'}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
