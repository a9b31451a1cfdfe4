// The Universal Brief (/brief): what the business is, by section, with each
// value's confidence and the owner's words it came from; edits by hand;
// the history of versions with their changes and a restore; proposed
// changes to accept or reject (and asking the co-pilot for one, from a
// section); and what the other apps derive from it.
//
//   /brief                 the overview
//   /brief/versions        the history
//   /brief/versions/{n}    one version: what it changed, restore
//   /brief/proposals       proposed changes waiting for the owner
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { reactApp, type AppProps } from '../../lib/react-app';
import { $user, pushToast } from '../../lib/stores';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { Contexts } from './Contexts';
import { ProposalList, type Proposal } from './Proposals';
import type { Proposed } from './propose';
import { SectionCard } from './SectionCard';
import { authorLabel, VersionDetail, VersionList } from './Versions';
import { formatDateTime, formatWhen, guessKind, parseBriefSchema, sectionTitle, fieldTitle, type Brief, type SectionSpec } from './vocab';
import stylesheet from './brief.css?url';

export type Route =
  | { view: 'overview' }
  | { view: 'versions' }
  | { view: 'version'; n: number }
  | { view: 'proposals' }
  | { view: 'unknown' };

export function route(path: string): Route {
  const p = path.replace(/\/+$/, '');
  if (p === '') return { view: 'overview' };
  if (p === '/versions') return { view: 'versions' };
  if (p === '/proposals') return { view: 'proposals' };
  const m = /^\/versions\/(\d{1,9})$/.exec(p);
  if (m && Number(m[1]) >= 1) return { view: 'version', n: Number(m[1]) };
  return { view: 'unknown' };
}

interface BriefState {
  /** undefined: loading; null: no Brief yet (404). */
  brief: Brief | null | undefined;
  error: unknown;
  loading: boolean;
}

/** The Brief, kept across the app's sub-routes; a save replaces it, a reload keeps it on screen. */
function useBrief(signal: AbortSignal) {
  const [s, set] = useState<BriefState>({ brief: undefined, error: null, loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    set((x) => ({ ...x, loading: true, error: null }));
    api.get('/api/v1/brief', { signal: abort.signal }).then(
      (r) => !abort.signal.aborted && set({ brief: r.data, error: null, loading: false }),
      (error) => {
        if (abort.signal.aborted) return;
        if (error instanceof ApiError && error.status === 404) set({ brief: null, error: null, loading: false });
        else set((x) => ({ ...x, error, loading: false }));
      },
    );
    return () => {
      abort.abort();
      signal.removeEventListener('abort', stop);
    };
  }, [n, signal]);
  const reload = useCallback(() => setN((k) => k + 1), []);
  const replace = useCallback((brief: Brief) => set({ brief, error: null, loading: false }), []);
  return { ...s, reload, replace };
}

/** The sections to show: the schema's, or (without it) those the Brief has. */
function sectionsOf(specs: SectionSpec[], brief: Brief | null | undefined): SectionSpec[] {
  if (specs.length) return specs;
  return Object.entries(brief?.data?.sections ?? {}).map(([id, s]) => ({
    id,
    title: sectionTitle(id),
    fields: Object.entries(s.fields ?? {}).map(([fid, f]) => ({ id: fid, title: fieldTitle(id, fid), kind: guessKind(f.value) })),
  }));
}

function BriefApp({ ctx }: AppProps) {
  const r = route(ctx.path);
  const b = useBrief(ctx.signal);
  const schema = useQuery((signal) => api.get('/api/v1/brief/schema', { signal }).then((x) => parseBriefSchema(x.data)), []);
  const pending = useQuery(
    (signal) => api.get('/api/v1/brief/proposals', { query: { status: 'pending', limit: 50 }, signal }).then((x) => x.data),
    [b.brief?.version],
  );
  const specs = useMemo(() => sectionsOf(schema.data ?? [], b.brief), [schema.data, b.brief]);

  // A proposal the owner just asked for: shown (and focused) in the
  // proposals view, and counted, while the list reloads without it.
  const [fresh, setFresh] = useState<{ proposal: Proposal; before: Proposal[] | undefined } | null>(null);
  const proposals = useMemo(() => {
    const list = pending.data;
    if (!fresh || list !== fresh.before || list?.some((p) => p.id === fresh.proposal.id)) return list;
    return [fresh.proposal, ...(list ?? [])];
  }, [pending.data, fresh]);
  const count = proposals?.length ?? 0;
  useEffect(() => {
    if (r.view !== 'proposals') setFresh(null);
  }, [r.view]);
  const onProposed = ({ proposal, existing }: Proposed) => {
    if (existing) pushToast('The co-pilot had already proposed this: it waits for your review.');
    setFresh({ proposal, before: pending.data });
    pending.retry();
    if (r.view !== 'proposals') ctx.navigate('/brief/proposals');
  };

  const tabs = (
    <nav className="bf-tabs" aria-label="Brief">
      <a href="/brief" aria-current={r.view === 'overview' ? 'page' : undefined}>
        Overview
      </a>
      <a href="/brief/versions" aria-current={r.view === 'versions' || r.view === 'version' ? 'page' : undefined}>
        History
      </a>
      <a href="/brief/proposals" aria-current={r.view === 'proposals' ? 'page' : undefined}>
        Proposals
        {count > 0 && (
          <span className="bf-count">
            {count}
            <span className="visually-hidden"> pending</span>
          </span>
        )}
      </a>
    </nav>
  );

  let body: React.ReactNode;
  if (b.error && b.brief === undefined) body = <InlineError error={b.error} onRetry={b.reload} />;
  else if (b.brief === undefined || (schema.loading && !schema.data && r.view === 'overview'))
    body = (
      <div className="card placeholder bf-loading">
        <Skeleton lines={6} label="Loading your Brief" />
      </div>
    );
  else if (b.brief === null && r.view !== 'unknown') body = <NoBrief />;
  else {
    const brief = b.brief as Brief;
    switch (r.view) {
      case 'overview':
        body = (
          <Overview
            brief={brief}
            specs={specs}
            pending={count}
            reloadError={b.error}
            onReload={b.reload}
            onSaved={b.replace}
            onProposed={onProposed}
          />
        );
        break;
      case 'versions':
        body = <VersionList current={brief.version} specs={specs} />;
        break;
      case 'version':
        body = (
          <VersionDetail
            n={r.n}
            current={brief.version}
            specs={specs}
            search={ctx.search}
            navigate={ctx.navigate}
            onRestored={(nb) => {
              b.replace(nb);
              ctx.navigate('/brief');
            }}
          />
        );
        break;
      case 'proposals':
        body = (
          <ProposalList
            pending={{ ...pending, data: proposals }}
            brief={brief}
            specs={specs}
            fresh={fresh?.proposal.id}
            onDecided={() => {
              setFresh(null);
              b.reload();
              pending.retry();
            }}
            onProposed={onProposed}
          />
        );
        break;
      default:
        body = (
          <div className="notice" role="status">
            <p>There is nothing at this address.</p>
            <a href="/brief">Back to your Brief</a>
          </div>
        );
    }
  }

  return (
    <div className="bf">
      {b.brief !== null && tabs}
      {body}
    </div>
  );
}

function NoBrief() {
  return (
    <section className="card bf-empty" aria-labelledby="bf-empty-title">
      <div className="bf-empty__mark" aria-hidden="true">
        ✦
      </div>
      <h2 id="bf-empty-title">Your Brief starts with a conversation</h2>
      <p className="bf-muted">
        Tell the co-pilot about your business in your own words: what you do, for whom and where. It writes your Universal Brief, which sets up your website, your leads and your
        messages.
      </p>
      <a className="button button--primary" href="/co-pilot">
        Talk to the co-pilot
      </a>
    </section>
  );
}

function Overview({
  brief,
  specs,
  pending,
  reloadError,
  onReload,
  onSaved,
  onProposed,
}: {
  brief: Brief;
  specs: SectionSpec[];
  pending: number;
  reloadError: unknown;
  onReload: () => void;
  onSaved: (b: Brief) => void;
  onProposed: (r: Proposed) => void;
}) {
  const me = useStore($user)?.id;
  const missing = brief.data?.missing?.length ?? 0;
  const total = specs.reduce((n, s) => n + s.fields.length, 0);
  const known = specs.reduce((n, s) => n + s.fields.filter((f) => brief.data?.sections?.[s.id]?.fields?.[f.id]).length, 0);
  return (
    <>
      <header className="bf-head">
        <div>
          <p className="bf-head__version">
            Version {brief.version}
            <span className="bf-muted">
              {' '}
              · updated{' '}
              <time dateTime={brief.updated_at} title={formatDateTime(brief.updated_at)}>
                {formatWhen(brief.updated_at)}
              </time>{' '}
              by {authorLabel(brief.author, me)}
            </span>
          </p>
          {total > 0 && (
            <p className="bf-muted bf-head__summary" title={brief.summary}>
              {known} of {total} fields known{missing ? ` · ${missing} still open` : ' · complete'}
            </p>
          )}
        </div>
        <div className="bf-head__actions">
          <a className="button" href={`/brief/versions/${brief.version}`}>
            What changed
          </a>
          <a className="button button--primary" href="/co-pilot">
            {missing ? `Fill ${missing} gap${missing === 1 ? '' : 's'} with the co-pilot` : 'Talk to the co-pilot'}
          </a>
        </div>
      </header>
      {reloadError ? <InlineError error={reloadError} onRetry={onReload} /> : null}
      {pending > 0 && (
        <div className="notice bf-banner" role="status">
          <p>
            <strong>{pending === 1 ? 'One proposed change' : `${pending} proposed changes`}</strong> to your Brief {pending === 1 ? 'waits' : 'wait'} for your review.
          </p>
          <a className="button" href="/brief/proposals">
            Review
          </a>
        </div>
      )}
      <p className="bf-hint">Hover or focus a value to see the words it came from.</p>
      <div className="bf-sections">
        {specs.map((s) => (
          <SectionCard key={s.id} spec={s} brief={brief} onSaved={onSaved} onStale={onReload} onProposed={onProposed} />
        ))}
      </div>
      <Contexts version={brief.version} />
    </>
  );
}

export const { mount, update, unmount } = reactApp(BriefApp, { stylesheet });
