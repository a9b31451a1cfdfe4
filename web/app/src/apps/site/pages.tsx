// A site's overview: its pages (add, open, delete) and its scheduled publishes.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { detailOf, useSite, type Page } from './context';
import { pathFromTitle, pathLabel, relativeTime, validPagePath } from './format';
import { href } from './routes';
import { Schedules } from './schedules';
import { Confirm, Icon, TextInput } from './ui';

export function PagesView() {
  const { site, learnAddress } = useSite();
  const pages = useQuery((signal) => api.get('/api/v1/sites/{siteID}/pages', { path: { siteID: site.id }, query: { limit: 100 }, signal }), [site.id]);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Page | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [removed, setRemoved] = useState<Set<string>>(new Set());

  const list = (pages.data?.data ?? []).filter((p) => !removed.has(p.id));
  const hasPages = list.length > 0;
  useEffect(() => {
    if (hasPages) learnAddress();
  }, [hasPages, learnAddress]);
  const sorted = [...list].sort((a, b) => (a.path === '/' ? -1 : b.path === '/' ? 1 : a.path.localeCompare(b.path)));

  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.delete('/api/v1/pages/{pageID}', { path: { pageID: deleting.id } });
      setRemoved((s) => new Set(s).add(deleting.id));
      pushToast(`${pathLabel(deleting.path)} deleted. Publish to take it off the live site.`, { tone: 'success' });
      setDeleting(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setRemoved((s) => new Set(s).add(deleting.id));
        setDeleting(null);
      } else setDeleteError(detailOf(err));
    } finally {
      setDeleteBusy(false);
    }
  };

  return (
    <div className="st-overview">
      <section className="card st-card" aria-labelledby="st-pages-title">
        <div className="st-card__head">
          <h3 id="st-pages-title">Pages</h3>
          {!adding && pages.data && (
            <button type="button" className="button" onClick={() => setAdding(true)}>
              <Icon name="plus" />
              Add a page
            </button>
          )}
        </div>
        {adding && <AddPage existing={list} onDone={() => setAdding(false)} />}
        {pages.loading && !pages.data ? (
          <Skeleton lines={4} label="Loading the pages" />
        ) : pages.error ? (
          <InlineError error={pages.error} onRetry={pages.retry} />
        ) : sorted.length === 0 ? (
          <div className="st-empty-inline">
            <p>This site has no pages yet. Add a home page (path “/”) to start.</p>
            {!adding && (
              <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
                Add the home page
              </button>
            )}
          </div>
        ) : (
          <ul className="st-page-list">
            {sorted.map((p) => (
              <li key={p.id} className="st-page-row">
                <span className="st-page-row__icon" aria-hidden="true">
                  <Icon name="page" />
                </span>
                <div className="st-page-row__main">
                  <a href={href.page(site.id, p.id)} className="st-page-row__title">
                    {p.title}
                  </a>
                  <span className="st-muted st-small">
                    <code className="st-path">{p.path}</code> · {p.blocks.length} {p.blocks.length === 1 ? 'block' : 'blocks'} · version {p.version} · edited{' '}
                    {relativeTime(p.updated_at)}
                  </span>
                </div>
                <div className="st-page-row__actions">
                  <a className="button" href={href.page(site.id, p.id)} aria-label={`Edit ${p.title}`}>
                    Edit
                  </a>
                  <button type="button" className="button button--ghost st-icon-button" aria-label={`Delete ${p.title}`} onClick={() => setDeleting(p)}>
                    <Icon name="trash" />
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <aside className="st-overview__side">
        <Schedules />
        <section className="card st-card st-help" aria-labelledby="st-how-title">
          <h3 id="st-how-title">How publishing works</h3>
          <p className="st-muted st-small">
            Your edits are drafts: visitors see nothing of them until you publish. Each publish is a release you can roll back to
            from Releases.
          </p>
        </section>
      </aside>
      <Confirm
        open={deleting !== null}
        title="Delete this page?"
        confirmLabel="Delete page"
        danger
        busy={deleteBusy}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => {
          setDeleting(null);
          setDeleteError(null);
        }}
      >
        <p>
          <strong>{deleting?.title}</strong> ({deleting?.path}) leaves your drafts. Its versions are kept, and the live site keeps it
          until you publish again.
        </p>
      </Confirm>
    </div>
  );
}

function AddPage({ existing, onDone }: { existing: Page[]; onDone: () => void }) {
  const { site, navigate } = useSite();
  const hasHome = existing.some((p) => p.path === '/');
  const [title, setTitle] = useState(hasHome ? '' : 'Home');
  const [path, setPath] = useState(hasHome ? '' : '/');
  const [pathTouched, setPathTouched] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onTitle = (v: string) => {
    setTitle(v);
    if (!pathTouched) setPath(v.trim() ? pathFromTitle(v) : '');
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const bad: Record<string, string> = {};
    if (!title.trim()) bad.title = 'Give the page a title.';
    if (!validPagePath(path)) bad.path = 'Use “/” or lowercase words joined by hyphens, such as /about or /services/plumbing.';
    else if (existing.some((p) => p.path === path)) bad.path = 'Another page has this path.';
    setErrors(bad);
    if (Object.keys(bad).length) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.post('/api/v1/sites/{siteID}/pages', { path: { siteID: site.id }, body: { path, title: title.trim(), blocks: [] } });
      navigate(href.page(site.id, data.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setErrors({ path: 'Another page has this path.' });
      else if (err instanceof ApiError && Object.keys(err.fields).length) {
        setErrors(Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, `${k === 'path' ? 'Path' : 'Title'} ${v}.`])));
      } else setError(detailOf(err));
      setBusy(false);
    }
  };

  return (
    <form className="st-add-page" onSubmit={submit} noValidate aria-label="Add a page">
      <div className="st-add-page__fields">
        <TextInput id="st-add-title" label="Title" value={title} onChange={onTitle} error={errors.title} maxLength={200} placeholder="About us" />
        <TextInput
          id="st-add-path"
          label="Path"
          value={path}
          onChange={(v) => {
            setPathTouched(true);
            setPath(v.trim().toLowerCase());
          }}
          error={errors.path}
          hint="Where it lives on your site: / is the home page."
          placeholder="/about-us"
          mono
        />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="st-create__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add page'}
        </button>
        <button type="button" className="button button--ghost" onClick={onDone} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
