// Settings → Integrations: the org's n8n webhook subscriptions (an event
// pattern and a URL each); add one, end one.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { eventTypes } from '../../generated/events';
import { api, ApiError } from '../../lib/api';
import { InlineError, Skeleton } from '../../lib/ui';
import type { SectionProps } from './members';
import { checkPattern, checkWebhookURL, collect, manages, secretOf, type Subscription } from './model';
import { Confirm, Denied, formatDate, Icon, problemText, SecretOnce, useLoaded } from './ui';

/** Patterns to suggest: every event, each context's events, each event type. */
function suggestions(): string[] {
  const contexts = new Set(eventTypes.map((t) => t.split('.').slice(0, 2).join('.') + '.*'));
  return ['*', ...contexts, ...eventTypes];
}

export function Integrations({ role }: SectionProps) {
  const list = useLoaded(
    (signal) =>
      collect((cursor) => api.get('/api/v1/integrations/n8n/subscriptions', { query: { limit: 200, cursor }, signal })).then((r) => r.items),
    [],
  );
  const [secret, setSecret] = useState<{ secret: string; copied: boolean } | null>(null);
  const [announce, setAnnounce] = useState('');
  const canManage = manages(role);
  const forbidden = list.error instanceof ApiError && list.error.status === 403;

  return (
    <section className="set__section" aria-labelledby="set-int-h">
      <header className="set__head">
        <h2 id="set-int-h">n8n subscriptions</h2>
        <p>
          Send this organisation’s events to n8n: each event that matches a pattern is POSTed to the webhook, signed
          (an <code className="set__mono">X-Xentri-Signature</code> HMAC and a short-lived bearer token), and retried
          3 times.
        </p>
      </header>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>

      {forbidden ? (
        <Denied what="see the integrations" />
      ) : (
        <>
          {secret && (
            <div className="card set__created">
              <h3 className="set__subhead">Subscribed</h3>
              <SecretOnce
                label="Signing secret"
                secret={secret.secret}
                copied={secret.copied}
                onCopied={() => setSecret({ ...secret, copied: true })}
              />
              <div className="set__row-actions">
                <button type="button" className="button button--primary" onClick={() => setSecret(null)}>
                  {secret.copied ? 'Done' : 'I’ve saved it, close'}
                </button>
              </div>
            </div>
          )}
          {canManage ? (
            !secret && (
              <AddSubscription
                onAdded={(s, signing) => {
                  list.setData((l) => [...(l ?? []), s]);
                  if (signing) setSecret({ secret: signing, copied: false });
                  setAnnounce(`Subscribed ${s.url} to ${s.pattern}.`);
                }}
              />
            )
          ) : role !== undefined ? (
            <Denied what="add or end subscriptions" />
          ) : null}

          {list.loading && !list.data ? (
            <div className="card">
              <Skeleton lines={3} label="Loading subscriptions" />
            </div>
          ) : list.error && !list.data ? (
            <InlineError error={list.error} onRetry={list.reload} />
          ) : list.data?.length ? (
            <ul className="card set__list" aria-label="Subscriptions">
              {[...list.data].reverse().map((s) => (
                <SubscriptionRow
                  key={s.id}
                  s={s}
                  canManage={canManage}
                  onEnded={() => {
                    list.setData((l) => (l ?? []).filter((x) => x.id !== s.id));
                    setAnnounce(`Ended the subscription of ${s.url}.`);
                  }}
                />
              ))}
            </ul>
          ) : (
            <p className="set__empty">No subscriptions yet. In n8n, add a Webhook node (POST), then subscribe its production URL here.</p>
          )}
        </>
      )}
    </section>
  );
}

function AddSubscription({ onAdded }: { onAdded: (s: Subscription, secret: string | null) => void }) {
  const [pattern, setPattern] = useState('xentri.lead.*');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [key, setKey] = useState(() => api.newActionKey());
  const id = useId();
  const options = useMemo(suggestions, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = pattern.trim();
    const u = url.trim();
    const local: Record<string, string> = {};
    const pe = checkPattern(p);
    const ue = checkWebhookURL(u);
    if (pe) local.pattern = pe;
    if (ue) local.url = ue;
    setFields(local);
    setError(null);
    if (pe || ue) return;
    setBusy(true);
    try {
      const { data } = await api.post('/api/v1/integrations/n8n/subscriptions', { body: { pattern: p, url: u }, idempotencyKey: key });
      onAdded(data as Subscription, secretOf(data));
      setUrl('');
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setFields(err.fields);
      setError(err instanceof ApiError && err.status === 409 ? err.detail : problemText(err, 'subscribe'));
    } finally {
      setKey(api.newActionKey());
      setBusy(false);
    }
  };

  return (
    <form className="card set__add" onSubmit={submit} aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`} className="set__subhead">
        Subscribe a webhook
      </h3>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="set__add-row">
        <div className="set__field">
          <label className="set__label" htmlFor={`${id}-pattern`}>
            Events
          </label>
          <input
            id={`${id}-pattern`}
            className="set__input set__mono"
            list={`${id}-patterns`}
            value={pattern}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setPattern(e.target.value)}
            aria-invalid={!!fields.pattern}
            aria-describedby={`${id}-pattern-hint`}
          />
          <datalist id={`${id}-patterns`}>
            {options.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
          <p id={`${id}-pattern-hint`} className={fields.pattern ? 'field-error' : 'set__hint'}>
            {fields.pattern ?? 'An event type, a family such as xentri.lead.*, or * for all.'}
          </p>
        </div>
        <div className="set__field set__grow">
          <label className="set__label" htmlFor={`${id}-url`}>
            Webhook URL
          </label>
          <input
            id={`${id}-url`}
            className="set__input"
            type="url"
            inputMode="url"
            placeholder="https://n8n.example.com/webhook/leads"
            value={url}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setUrl(e.target.value)}
            aria-invalid={!!fields.url}
            aria-describedby={`${id}-url-hint`}
          />
          <p id={`${id}-url-hint`} className={fields.url ? 'field-error' : 'set__hint'}>
            {fields.url ?? 'The production URL of your n8n Webhook node.'}
          </p>
        </div>
        <button type="submit" className="button button--primary set__add-btn" disabled={busy}>
          {busy ? 'Subscribing…' : 'Subscribe'}
        </button>
      </div>
    </form>
  );
}

function SubscriptionRow({ s, canManage, onEnded }: { s: Subscription; canManage: boolean; onEnded: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const end = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete('/api/v1/integrations/n8n/subscriptions/{subscriptionID}', { path: { subscriptionID: s.id } });
      onEnded();
    } catch (err) {
      setError(problemText(err, 'end the subscription'));
      setBusy(false);
    }
  };
  return (
    <li className="set__item">
      <div className="set__token">
        <span className="set__avatar set__avatar--hook" aria-hidden="true">
          <Icon d={['M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7', 'M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7']} />
        </span>
        <div className="set__who">
          <p className="set__name">
            <code className="set__mono set__pattern">{s.pattern}</code>
          </p>
          <p className="set__url" id={`${id}-url`}>
            {s.url}
          </p>
          <p className="set__muted">Since {formatDate(s.created_at)}</p>
        </div>
        <div className="set__member-end">
          {canManage && !confirm && (
            <button type="button" className="button button--ghost set__danger" onClick={() => setConfirm(true)} aria-describedby={`${id}-url`}>
              End
            </button>
          )}
        </div>
      </div>
      {confirm && (
        <Confirm
          question={`Stop sending ${s.pattern} to this webhook?`}
          action={busy ? 'Ending…' : 'End subscription'}
          busy={busy}
          onConfirm={end}
          onCancel={() => setConfirm(false)}
        />
      )}
      {error && (
        <p className="field-error set__row-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
