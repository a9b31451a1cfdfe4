// One site: its header (name, address, preview, publish), the publish
// progress, its tabs, and the view of the route under it.
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../lib/api';
import { $user } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import type { AppContext } from '../../shell/types';
import { detailOf, liveHref, SiteContext, useSite, type PreviewLink, type Site, type SiteCtx } from './context';
import { authorName } from './format';
import { linkFresh, sitemapOrigin } from './preview';
import { initialPublish, isWatching, pollDelay, publishHeadline, publishReducer, stepStates, type PublishState } from './publish';
import { href, type Route } from './routes';
import { Confirm, Icon } from './ui';

type SiteRoute = Exclude<Route, { view: 'sites' } | { view: 'not-found' }>;

export function SiteView({ ctx, route, children }: { ctx: AppContext; route: SiteRoute; children: ReactNode }) {
  const siteId = route.siteId;
  const [site, setSite] = useState<Site | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [publish, dispatch] = useReducer(publishReducer, initialPublish);
  const [preview, setPreview] = useState<PreviewLink | null>(null);
  const [publicOrigin, setPublicOrigin] = useState<string | null>(null);
  const [releasesTick, setReleasesTick] = useState(0);
  const [members, setMembers] = useState<ReadonlyMap<string, string>>(new Map());
  const [behindNumber, setBehindNumber] = useState<number | null>(null);
  const [unsaved, setUnsaved] = useState(false);
  const user = useStore($user);
  const previewPromise = useRef<Promise<PreviewLink> | null>(null);
  const previewRef = useRef<PreviewLink | null>(null);

  const reloadSite = useCallback(async () => {
    try {
      // The site's ETag is its settings' version, which a publish or a
      // rollback does not change (live_release_id does): a conditional GET
      // of the browser's cache would answer 304 with a stale live release.
      // A validator of our own makes the browser skip its cache (fetch's
      // "no-store" for a request that carries If-None-Match).
      const { data } = await api.get('/api/v1/sites/{siteID}', { path: { siteID: siteId }, signal: ctx.signal, headers: { 'If-None-Match': '"none"' } });
      setSite(data);
      setLoadError(null);
      return data;
    } catch (err) {
      if (!ctx.signal.aborted) setLoadError(err);
      return null;
    }
  }, [siteId, ctx.signal]);

  useEffect(() => {
    setSite(null);
    void reloadSite();
  }, [reloadSite, attempt]);

  // Who wrote what: the org's members, by user id (best effort).
  useEffect(() => {
    if (!ctx.orgId) return;
    api
      .get('/api/v1/orgs/{orgID}/members', { path: { orgID: ctx.orgId }, signal: ctx.signal })
      .then(({ data }) => setMembers(new Map((data ?? []).map((m) => [m.user_id, m.email]))))
      .catch(() => {});
  }, [ctx.orgId, ctx.signal]);

  // A publish that was running when the page opened: follow it.
  useEffect(() => {
    api
      .get('/api/v1/sites/{siteID}/releases', { path: { siteID: siteId }, query: { limit: 1 }, signal: ctx.signal })
      .then(({ data }) => data?.[0] && dispatch({ type: 'resume', release: data[0] }))
      .catch(() => {});
  }, [siteId, ctx.signal]);

  const previewLink = useCallback((): Promise<PreviewLink> => {
    const have = previewRef.current;
    if (have && linkFresh(have.expires_at)) return Promise.resolve(have);
    previewPromise.current ??= api
      .post('/api/v1/sites/{siteID}/preview', { path: { siteID: siteId }, body: {} })
      .then(({ data }) => {
        previewRef.current = data;
        setPreview(data);
        return data;
      })
      .finally(() => {
        previewPromise.current = null;
      });
    return previewPromise.current;
  }, [siteId]);

  // The link for "Open preview".
  useEffect(() => {
    previewLink().catch(() => {});
  }, [previewLink]);

  // The site's public address: the API does not say it, but a sitemap lists
  // absolute URLs (the live one when published, else the drafts', which
  // needs a page to render).
  const learning = useRef(false);
  const publicOriginRef = useRef<string | null>(null);
  publicOriginRef.current = publicOrigin;
  const learnAddress = useCallback(
    (fromLive: boolean) => {
      if (learning.current || publicOriginRef.current) return;
      learning.current = true;
      const sitemap = fromLive ? Promise.resolve(`${liveHref(siteId)}sitemap.xml`) : previewLink().then((l) => `${l.url}sitemap.xml`);
      sitemap
        .then((url) => fetch(url, { credentials: 'omit', signal: ctx.signal }))
        .then((res) => (res.ok ? res.text() : ''))
        .then((xml) => {
          const origin = sitemapOrigin(xml);
          if (origin) setPublicOrigin(origin);
        })
        .catch(() => {})
        .finally(() => {
          learning.current = false;
        });
    },
    [siteId, previewLink, ctx.signal],
  );
  const live = Boolean(site?.live_release_id);
  useEffect(() => {
    if (live) learnAddress(true);
  }, [live, learnAddress]);

  const startPublish = useCallback(async () => {
    dispatch({ type: 'start' });
    try {
      const { data } = await api.post('/api/v1/sites/{siteID}/publish', { path: { siteID: siteId }, body: {} });
      dispatch({ type: 'accepted', started: data });
    } catch (err) {
      dispatch({ type: 'refused', reason: detailOf(err) });
    }
  }, [siteId]);

  // Poll the release while the publish runs.
  const releaseId = isWatching(publish) ? publish.releaseId : null;
  useEffect(() => {
    if (!isWatching(publish) || !releaseId) return;
    const abort = new AbortController();
    const stop = () => abort.abort();
    ctx.signal.addEventListener('abort', stop);
    const timer = setTimeout(async () => {
      try {
        const { data } = await api.get('/api/v1/sites/{siteID}/releases/{releaseID}', {
          path: { siteID: siteId, releaseID: releaseId },
          signal: abort.signal,
        });
        dispatch({ type: 'polled', release: data });
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) dispatch({ type: 'not-yet' });
        else dispatch({ type: 'poll-failed', reason: detailOf(err) });
      }
    }, pollDelay(publish));
    return () => {
      clearTimeout(timer);
      abort.abort();
      ctx.signal.removeEventListener('abort', stop);
    };
  }, [publish, releaseId, siteId, ctx.signal]);

  // Queued behind another publish: which release is it?
  const behind = publish.phase === 'waiting' ? publish.queuedBehind : null;
  useEffect(() => {
    setBehindNumber(null);
    if (!behind) return;
    api
      .get('/api/v1/sites/{siteID}/releases/{releaseID}', { path: { siteID: siteId, releaseID: behind }, signal: ctx.signal })
      .then(({ data }) => setBehindNumber(data.number))
      .catch(() => {});
  }, [behind, siteId, ctx.signal]);

  // Live or failed: the site (its live release) and the releases changed.
  const finished = publish.phase === 'live' || publish.phase === 'failed' ? publish.phase + (publish.releaseId ?? '') : null;
  useEffect(() => {
    if (!finished) return;
    setReleasesTick((n) => n + 1);
    if (finished.startsWith('live')) void reloadSite();
  }, [finished, reloadSite]);

  const value = useMemo<SiteCtx | null>(
    () =>
      site && {
        site,
        setSite,
        reloadSite,
        navigate: ctx.navigate,
        publish,
        startPublish: () => void startPublish(),
        dismissPublish: () => dispatch({ type: 'dismiss' }),
        previewLink,
        preview,
        publicOrigin,
        notePublicOrigin: (o: string) => setPublicOrigin((was) => was ?? o),
        learnAddress: () => learnAddress(false),
        releasesTick,
        bumpReleases: () => setReleasesTick((n) => n + 1),
        setUnsaved,
        author: (a: string) => authorName(a, user?.id, members),
      },
    [site, reloadSite, ctx.navigate, publish, startPublish, previewLink, preview, publicOrigin, learnAddress, releasesTick, user?.id, members],
  );

  if (!value) {
    if (loadError) {
      const gone = loadError instanceof ApiError && (loadError.status === 404 || loadError.status === 400);
      return (
        <div className="st-stack">
          <Breadcrumb />
          {gone ? (
            <div className="notice" role="alert">
              <p>This site does not exist, or it belongs to another organisation.</p>
              <a className="button" href={href.sites()}>
                See your sites
              </a>
            </div>
          ) : (
            <InlineError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />
          )}
        </div>
      );
    }
    return (
      <div className="st-stack">
        <Skeleton lines={2} label="Loading the site" />
      </div>
    );
  }

  return (
    <SiteContext.Provider value={value}>
      <div className="st-stack">
        <SiteHeader view={route.view} behindNumber={behindNumber} unsaved={unsaved} />
        {children}
      </div>
    </SiteContext.Provider>
  );
}

function Breadcrumb({ name }: { name?: string }) {
  return (
    <nav className="st-crumbs" aria-label="Breadcrumb">
      <a href={href.sites()}>Sites</a>
      {name && (
        <>
          <Icon name="chevron" size={14} />
          <span aria-current="page">{name}</span>
        </>
      )}
    </nav>
  );
}

function SiteHeader({ view, behindNumber, unsaved }: { view: SiteRoute['view']; behindNumber: number | null; unsaved: boolean }) {
  const { site, preview, publicOrigin, publish, startPublish } = useSite();
  const [asking, setAsking] = useState(false);
  const busy = publish.phase === 'starting' || isWatching(publish);
  const address = publicOrigin ? publicOrigin.replace(/^https?:\/\//, '') : site.slug;
  const tabs = [
    { id: 'site', label: 'Pages', to: href.site(site.id), current: view === 'site' || view === 'page' },
    { id: 'releases', label: 'Releases', to: href.releases(site.id), current: view === 'releases' },
    { id: 'settings', label: 'Settings', to: href.settings(site.id), current: view === 'settings' },
  ];
  return (
    <header className="st-site-head">
      <Breadcrumb name={site.name} />
      <div className="st-site-head__row">
        <div className="st-site-head__title">
          <h2>{site.name}</h2>
          <p className="st-site-head__meta">
            {site.live_release_id ? (
              <span className="st-badge st-badge--live">
                <span className="st-dot" aria-hidden="true" />
                Live
              </span>
            ) : (
              <span className="st-badge">Not published yet</span>
            )}
            <span className="st-address" title="The site's public address">
              <Icon name="globe" size={14} />
              {address}
            </span>
          </p>
        </div>
        <div className="st-site-head__actions">
          {preview ? (
            <a className="button" href={preview.url} target="_blank" rel="noopener noreferrer">
              Open preview
              <Icon name="external" size={14} />
            </a>
          ) : null}
          {site.live_release_id && (
            <a className="button" href={liveHref(site.id)} target="_blank" rel="noopener">
              View live site
              <Icon name="external" size={14} />
            </a>
          )}
          <button type="button" className="button button--primary" onClick={() => (unsaved ? setAsking(true) : startPublish())} disabled={busy}>
            {busy ? 'Publishing…' : 'Publish'}
          </button>
        </div>
      </div>
      <PublishPanel state={publish} behindNumber={behindNumber} />
      <Confirm
        open={asking}
        title="Publish without your unsaved changes?"
        confirmLabel="Publish anyway"
        onConfirm={() => {
          setAsking(false);
          startPublish();
        }}
        onCancel={() => setAsking(false)}
      >
        <p>This page has changes you have not saved. A publish takes the pages as they were last saved: save first to include them.</p>
      </Confirm>
      <nav className="st-tabs" aria-label="Site sections">
        {tabs.map((t) => (
          <a key={t.id} href={t.to} aria-current={t.current ? 'page' : undefined} className="st-tab">
            {t.label}
          </a>
        ))}
      </nav>
    </header>
  );
}

export function PublishPanel({ state, behindNumber }: { state: PublishState; behindNumber: number | null }) {
  const { site, dismissPublish, publicOrigin } = useSite();
  const headline = publishHeadline(state, behindNumber);
  const steps = stepStates(state);
  const showSteps = state.phase !== 'idle' && !(state.phase === 'failed' && !state.releaseId);
  const tone = state.phase === 'live' ? 'success' : state.phase === 'failed' ? 'error' : 'info';
  return (
    <div className="st-publish-live" aria-live="polite" role="status">
      {state.phase !== 'idle' && (
        <section className={`st-publish st-publish--${tone}`} aria-label="Publishing">
          <div className="st-publish__top">
            <p className="st-publish__headline">{headline}</p>
            {(state.phase === 'live' || state.phase === 'failed') && (
              <button type="button" className="button button--ghost st-icon-button" onClick={dismissPublish} aria-label="Dismiss">
                <Icon name="x" />
              </button>
            )}
          </div>
          {showSteps && (
            <ol className="st-steps">
              {steps.map((s) => (
                <li key={s.key} className={`st-step st-step--${s.state}`}>
                  <span className="st-step__mark" aria-hidden="true">
                    {s.state === 'done' ? <Icon name="check" size={12} /> : s.state === 'failed' ? <Icon name="x" size={12} /> : null}
                  </span>
                  <span className="st-step__label">{s.label}</span>
                  <span className="visually-hidden">
                    {s.state === 'done' ? ' done' : s.state === 'current' ? ' in progress' : s.state === 'failed' ? ' failed' : ' to do'}
                  </span>
                </li>
              ))}
            </ol>
          )}
          {state.phase === 'live' && state.release.status === 'live' && (
            <p className="st-publish__after">
              <a href={liveHref(site.id)} target="_blank" rel="noopener">
                View the live site
                <Icon name="external" size={14} />
              </a>
              <span className="st-muted">
                {' '}
                · Its address: {publicOrigin ? `${publicOrigin.replace(/^https?:\/\//, '')}` : `${site.slug} on your sites domain`}
              </span>
            </p>
          )}
        </section>
      )}
    </div>
  );
}
