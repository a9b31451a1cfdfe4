// The org's sites, and making one: from the Brief (the co-pilot's work) or
// blank, by name.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import type { AppContext } from '../../shell/types';
import { detailOf, type Site } from './context';
import { relativeTime } from './format';
import { href } from './routes';
import { Icon, TextInput } from './ui';

export function SitesView({ ctx }: { ctx: AppContext }) {
  const sites = useQuery((signal) => api.get('/api/v1/sites', { query: { limit: 100 }, signal }), [ctx.orgId]);
  const [creating, setCreating] = useState(false);

  if (sites.loading && !sites.data) {
    // `placeholder`: the shell's own tests look for it while an app loads.
    return (
      <div className="placeholder st-loading">
        <Skeleton lines={3} label="Loading your sites" />
      </div>
    );
  }
  if (sites.error) return <InlineError error={sites.error} onRetry={sites.retry} />;
  const list = sites.data?.data ?? [];

  if (list.length === 0) {
    return (
      <section className="card st-empty" aria-labelledby="st-empty-title">
        <div className="st-empty__art" aria-hidden="true">
          <Icon name="globe" size={40} />
        </div>
        <h2 id="st-empty-title">Your website starts here</h2>
        <p className="st-empty__lead">
          Xentri can draft every page from your Brief: a home page with your offer, your services, your prices and a contact form
          whose messages arrive in Leads. You review it, change what you like, and publish when you are ready.
        </p>
        <CreateSite ctx={ctx} />
      </section>
    );
  }

  return (
    <div className="st-stack">
      <div className="st-toolbar">
        <h2 className="st-h2">Your sites</h2>
        {!creating && (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            <Icon name="plus" />
            New site
          </button>
        )}
      </div>
      {creating && (
        <section className="card" aria-label="New site">
          <CreateSite ctx={ctx} onCancel={() => setCreating(false)} />
        </section>
      )}
      <ul className="st-site-list">
        {list.map((s) => (
          <SiteCard key={s.id} site={s} />
        ))}
      </ul>
    </div>
  );
}

function SiteCard({ site }: { site: Site }) {
  const c = site.theme.colors;
  return (
    <li className="card st-site-card">
      <span className="st-swatch" aria-hidden="true">
        <span style={{ background: c.primary }} />
        <span style={{ background: c.accent }} />
        <span style={{ background: c.background }} />
      </span>
      <div className="st-site-card__body">
        <h3>
          <a href={href.site(site.id)} className="st-cover-link">
            {site.name}
          </a>
        </h3>
        <p className="st-muted">{site.slug}</p>
      </div>
      <div className="st-site-card__status">
        {site.live_release_id ? (
          <span className="st-badge st-badge--live">
            <span className="st-dot" aria-hidden="true" />
            Live
          </span>
        ) : (
          <span className="st-badge">Not published yet</span>
        )}
        <span className="st-muted st-small">Edited {relativeTime(site.updated_at)}</span>
      </div>
    </li>
  );
}

/** The two ways to make a site. */
export function CreateSite({ ctx, onCancel }: { ctx: AppContext; onCancel?: () => void }) {
  const [busy, setBusy] = useState<'brief' | 'blank' | null>(null);
  const [noBrief, setNoBrief] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();

  const create = async (body: { from_brief: true } | { name: string }, kind: 'brief' | 'blank') => {
    setBusy(kind);
    setError(null);
    setNoBrief(null);
    setNameError(undefined);
    try {
      const { data } = await api.post('/api/v1/sites', { body });
      ctx.navigate(href.site(data.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && kind === 'brief') setNoBrief(err.detail);
      else if (err instanceof ApiError && err.fields.name) setNameError(`Name ${err.fields.name}.`);
      else setError(detailOf(err));
      setBusy(null);
    }
  };

  const blank = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setNameError('Give the site a name, such as your business name.');
      return;
    }
    void create({ name: name.trim() }, 'blank');
  };

  return (
    <div className="st-create">
      <div className="st-create__brief">
        <button type="button" className="button button--primary st-button--lg" onClick={() => void create({ from_brief: true }, 'brief')} disabled={busy !== null}>
          <Icon name="sparkles" />
          {busy === 'brief' ? 'Drafting your pages…' : 'Create my site from my Brief'}
        </button>
        <p className="st-muted st-small" aria-live="polite">
          {busy === 'brief' ? 'Writing each page from your Brief. This takes a few seconds.' : 'Every page drafted, ready for you to review.'}
        </p>
      </div>
      {noBrief && (
        <div className="notice st-notice--info" role="alert">
          <p>
            <strong>You don't have a Brief yet.</strong> The co-pilot asks a few questions about your business and writes it; then
            come back to draft your site from it.
          </p>
          <a className="button" href="/co-pilot">
            Talk to the co-pilot
          </a>
        </div>
      )}
      <div className="st-or" role="separator">
        <span>or start from a blank site</span>
      </div>
      <form className="st-create__blank" onSubmit={blank} noValidate>
        <TextInput id="st-new-site-name" label="Site name" value={name} onChange={setName} error={nameError} placeholder="Rosa's Bakery" maxLength={200} autoComplete="organization" />
        <div className="st-create__actions">
          <button type="submit" className="button" disabled={busy !== null}>
            {busy === 'blank' ? 'Creating…' : 'Create blank site'}
          </button>
          {onCancel && (
            <button type="button" className="button button--ghost" onClick={onCancel} disabled={busy !== null}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
