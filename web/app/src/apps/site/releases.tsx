// The releases of a site, newest first: what each changed, who and when,
// and a rollback to one that was live before.
import { useEffect, useState } from 'react';
import { api } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import { detailOf, liveHref, useSite } from './context';
import { dateTime, fileSize, relativeTime } from './format';
import type { Release } from './publish';
import { Confirm, Icon } from './ui';

const STATUS: Record<Release['status'], { label: string; tone: string }> = {
  snapshot: { label: 'Publishing', tone: 'progress' },
  rendered: { label: 'Publishing', tone: 'progress' },
  uploaded: { label: 'Publishing', tone: 'progress' },
  live: { label: 'Live', tone: 'live' },
  retired: { label: 'Earlier', tone: '' },
  failed: { label: 'Failed', tone: 'error' },
};

const TRIGGER: Record<Release['trigger'], string> = {
  publish: 'Published',
  schedule: 'Scheduled publish',
  hook: 'Published by an automation',
};

export const CHANGE_MARK = { added: '+', changed: '~', removed: '−' } as const;

export function ReleasesView() {
  const { site, releasesTick, bumpReleases, reloadSite, author, dismissPublish } = useSite();
  const [releases, setReleases] = useState<Release[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [more, setMore] = useState(false);
  const [target, setTarget] = useState<Release | null>(null);
  const [busy, setBusy] = useState(false);
  const [rollbackError, setRollbackError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    api
      .get('/api/v1/sites/{siteID}/releases', { path: { siteID: site.id }, query: { limit: 20 }, signal: abort.signal })
      .then(({ data, meta }) => {
        setReleases(data ?? []);
        setCursor(meta.next_cursor ?? null);
      })
      .catch((err) => !abort.signal.aborted && setError(err));
    return () => abort.abort();
  }, [site.id, releasesTick, attempt]);

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const { data, meta } = await api.get('/api/v1/sites/{siteID}/releases', { path: { siteID: site.id }, query: { limit: 20, cursor } });
      setReleases((r) => [...(r ?? []), ...(data ?? [])]);
      setCursor(meta.next_cursor ?? null);
    } catch (err) {
      pushToast(detailOf(err), { tone: 'error' });
    } finally {
      setMore(false);
    }
  };

  const rollback = async () => {
    if (!target) return;
    setBusy(true);
    setRollbackError(null);
    try {
      const { data } = await api.post('/api/v1/sites/{siteID}/rollback', { path: { siteID: site.id }, body: { release_id: target.id } });
      pushToast(
        data.purged ? `Release #${data.number} is live again.` : `Release #${data.number} is live again; a cache may show the old pages for a few minutes.`,
        { tone: 'success' },
      );
      setTarget(null);
      dismissPublish(); // its "release #n is live" is not true any more
      bumpReleases();
      void reloadSite();
    } catch (err) {
      setRollbackError(detailOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (error) return <InlineError error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!releases) return <Skeleton lines={5} label="Loading the releases" />;
  if (releases.length === 0) {
    return (
      <section className="card st-empty-inline">
        <h3>No releases yet</h3>
        <p className="st-muted">Each time you publish, a release is made here: what changed, who published it, and when. You can go back to any earlier one.</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="st-releases-title" className="st-stack">
      <h3 id="st-releases-title" className="visually-hidden">
        Releases
      </h3>
      <ol className="st-release-list">
        {releases.map((r) => {
          const st = STATUS[r.status];
          const when = r.activated_at ?? r.created_at;
          return (
            <li key={r.id} className={`card st-release${r.live ? ' st-release--live' : ''}`}>
              <div className="st-release__num" aria-hidden="true">
                #{r.number}
              </div>
              <div className="st-release__main">
                <div className="st-release__top">
                  <h4>
                    <span className="visually-hidden">Release </span>
                    <span className="st-release__num-inline">#{r.number}</span>
                    <span className={`st-badge${st.tone ? ` st-badge--${st.tone}` : ''}`}>
                      {r.live && <span className="st-dot" aria-hidden="true" />}
                      {r.live ? 'Live now' : st.label}
                    </span>
                  </h4>
                  <span className="st-muted st-small">
                    {TRIGGER[r.trigger]} by {author(r.author)} · <time dateTime={when} title={dateTime(when)}>{relativeTime(when)}</time>
                    {r.files > 0 && ` · ${r.files} files, ${fileSize(r.bytes)}`}
                  </span>
                </div>
                {r.status === 'failed' && r.failure && <p className="st-release__failure">{r.failure}</p>}
                <Changes release={r} />
              </div>
              <div className="st-release__actions">
                {r.live && (
                  <a className="button button--ghost" href={liveHref(site.id)} target="_blank" rel="noopener">
                    View
                    <Icon name="external" size={14} />
                  </a>
                )}
                {r.status === 'retired' && (
                  <button type="button" className="button" onClick={() => setTarget(r)} aria-label={`Roll back to release ${r.number}`}>
                    Roll back to this
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ol>
      {cursor && (
        <button type="button" className="button st-more" onClick={() => void loadMore()} disabled={more}>
          {more ? 'Loading…' : 'Show older releases'}
        </button>
      )}
      <Confirm
        open={target !== null}
        title={`Roll back to release #${target?.number ?? ''}?`}
        confirmLabel="Roll back"
        busy={busy}
        error={rollbackError}
        onConfirm={() => void rollback()}
        onCancel={() => {
          setTarget(null);
          setRollbackError(null);
        }}
      >
        <p>
          Visitors will see the site as it was in release #{target?.number}
          {target?.activated_at ? `, first published ${dateTime(target.activated_at)}` : ''}. It takes a moment and nothing is lost: the
          release live now stays in this list, and your drafts do not change.
        </p>
      </Confirm>
    </section>
  );
}

function Changes({ release }: { release: Release }) {
  if (release.changes.length === 0) {
    return <p className="st-muted st-small st-release__changes-none">{release.number === 1 ? 'The first release.' : 'No page changed.'}</p>;
  }
  const order = { added: 0, changed: 1, removed: 2 } as const;
  const changes = [...release.changes].sort((a, b) => order[a.change] - order[b.change] || a.path.localeCompare(b.path));
  return (
    <ul className="st-changes" aria-label="What changed">
      {changes.map((c) => (
        <li key={c.page_id + c.change} className={`st-change st-change--${c.change}`}>
          <span aria-hidden="true">{CHANGE_MARK[c.change]}</span>
          <span className="visually-hidden">{c.change}: </span>
          <code>{c.path}</code>
        </li>
      ))}
    </ul>
  );
}
