// Settings → API tokens: the org's tokens (never their secrets), a new one
// with a name and scopes (its secret shown once, with a copy button), and
// revoking one.
import { useId, useReducer, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { InlineError, Skeleton } from '../../lib/ui';
import type { SectionProps } from './members';
import {
  collect,
  manages,
  scopeAreas,
  scopeVerb,
  toggleScope,
  tokenFlow,
  withoutSecret,
  allScopes,
  type NewToken,
  type Scope,
  type Token,
} from './model';
import { Confirm, Denied, formatDate, Icon, problemText, SecretOnce, useLoaded } from './ui';

export function Tokens({ orgId, role }: SectionProps) {
  const allowed = manages(role);
  const list = useLoaded(
    (signal) =>
      allowed || role === undefined
        ? collect((cursor) => api.get('/api/v1/orgs/{orgID}/tokens', { path: { orgID: orgId }, query: { limit: 200, cursor }, signal })).then(
            (r) => r.items,
          )
        : Promise.resolve([] as Token[]),
    [orgId, allowed],
  );
  const [flow, dispatch] = useReducer(tokenFlow, { step: 'form' });
  const [announce, setAnnounce] = useState('');
  const forbidden = (!allowed && role !== undefined) || (list.error instanceof ApiError && list.error.status === 403);

  return (
    <section className="set__section" aria-labelledby="set-tokens-h">
      <header className="set__head">
        <h2 id="set-tokens-h">API tokens</h2>
        <p>Let other software (n8n, scripts, your own tools) use Xentri for this organisation, within the scopes you choose.</p>
      </header>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>

      {forbidden ? (
        <Denied what="see and create API tokens" />
      ) : (
        <>
          {flow.step === 'created' ? (
            <div className="card set__created" aria-labelledby="set-token-created">
              <h3 id="set-token-created" className="set__subhead">
                <Icon d={['M20 6L9 17l-5-5']} className="set__ok" /> “{flow.token.name}” is ready
              </h3>
              <SecretOnce label="Your new token" secret={flow.secret} copied={flow.copied} onCopied={() => dispatch({ type: 'copied' })}>
                <p className="set__hint">
                  Send it as <code className="set__mono">Authorization: Bearer …</code> with <code className="set__mono">x-org-id: {orgId}</code>.
                </p>
              </SecretOnce>
              <div className="set__row-actions">
                <button type="button" className="button button--primary" onClick={() => dispatch({ type: 'done' })}>
                  {flow.copied ? 'Done' : 'I’ve saved it, close'}
                </button>
              </div>
            </div>
          ) : (
            <NewTokenForm
              orgId={orgId}
              busy={flow.step === 'creating'}
              error={flow.step === 'form' ? flow.error : undefined}
              fields={flow.step === 'form' ? flow.fields : undefined}
              onSubmit={() => dispatch({ type: 'submit' })}
              onCreated={(t) => {
                dispatch({ type: 'created', token: t });
                list.setData((l) => [...(l ?? []), withoutSecret(t)]);
                setAnnounce(`Token ${t.name} created. Copy it now: it will not be shown again.`);
              }}
              onFailed={(error, fields) => dispatch({ type: 'failed', error, fields })}
            />
          )}

          {list.loading && !list.data ? (
            <div className="card">
              <Skeleton lines={3} label="Loading API tokens" />
            </div>
          ) : list.error && !list.data ? (
            <InlineError error={list.error} onRetry={list.reload} />
          ) : list.data?.length ? (
            <ul className="card set__list" aria-label="API tokens">
              {[...list.data].reverse().map((t) => (
                <TokenRow
                  key={t.id}
                  t={t}
                  orgId={orgId}
                  onRevoked={() => {
                    list.setData((l) => (l ?? []).filter((x) => x.id !== t.id));
                    setAnnounce(`Token ${t.name} revoked.`);
                  }}
                />
              ))}
            </ul>
          ) : (
            <p className="set__empty">No API tokens yet.</p>
          )}
        </>
      )}
    </section>
  );
}

function NewTokenForm(props: {
  orgId: string;
  busy: boolean;
  error?: string;
  fields?: Record<string, string>;
  onSubmit: () => void;
  onCreated: (t: NewToken) => void;
  onFailed: (error: string, fields?: Record<string, string>) => void;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [key, setKey] = useState(() => api.newActionKey());
  const id = useId();
  const fields = { ...props.fields, ...local };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim() || name.trim().length > 100) problems.name = 'Give it a name of 1 to 100 characters, such as “n8n”.';
    if (scopes.length === 0) problems.scopes = 'Choose at least one scope.';
    setLocal(problems);
    if (Object.keys(problems).length) return;
    props.onSubmit();
    try {
      const { data } = await api.post('/api/v1/orgs/{orgID}/tokens', {
        path: { orgID: props.orgId },
        body: { name: name.trim(), scopes },
        idempotencyKey: key,
      });
      setName('');
      setScopes([]);
      setKey(api.newActionKey());
      props.onCreated(data as NewToken);
    } catch (err) {
      setKey(api.newActionKey());
      props.onFailed(problemText(err, 'create the token'), err instanceof ApiError ? err.fields : undefined);
    }
  };

  const everything = scopes.length === allScopes.length;
  return (
    <form className="card set__add" onSubmit={submit} aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`} className="set__subhead">
        New token
      </h3>
      {props.error && (
        <p className="form-error" role="alert">
          {props.error}
        </p>
      )}
      <div className="set__field set__narrow">
        <label className="set__label" htmlFor={`${id}-name`}>
          Name
        </label>
        <input
          id={`${id}-name`}
          className="set__input"
          value={name}
          maxLength={100}
          placeholder="n8n automations"
          onChange={(e) => setName(e.target.value)}
          aria-invalid={!!fields.name}
          aria-describedby={fields.name ? `${id}-name-err` : undefined}
        />
        {fields.name && (
          <p id={`${id}-name-err`} className="field-error">
            {fields.name}
          </p>
        )}
      </div>
      <fieldset className="set__scopes" aria-describedby={fields.scopes ? `${id}-scopes-err` : `${id}-scopes-hint`}>
        <legend className="set__label">Scopes</legend>
        <p id={`${id}-scopes-hint`} className="set__hint">
          What the token may do. Choose the least it needs.{' '}
          <button type="button" className="set__link" onClick={() => setScopes(everything ? [] : [...allScopes])}>
            {everything ? 'Clear all' : 'Select all'}
          </button>
        </p>
        <div className="set__scope-grid" role="presentation">
          {scopeAreas.map((a) => (
            <div key={a.area} className="set__scope-row">
              <div className="set__scope-area">
                <span className="set__scope-name">{a.label}</span>
                <span className="set__muted">{a.about}</span>
              </div>
              <div className="set__scope-boxes">
                {a.scopes.map((s) => (
                  <label key={s} className="set__check">
                    <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes((cur) => toggleScope(cur, s, e.target.checked))} />
                    <span>
                      {scopeVerb(s)}
                      <span className="visually-hidden"> {a.label.toLowerCase()}</span>
                    </span>
                  </label>
                ))}
              </div>
            </div>
          ))}
        </div>
        {fields.scopes && (
          <p id={`${id}-scopes-err`} className="field-error">
            {fields.scopes}
          </p>
        )}
      </fieldset>
      <div className="set__row-actions">
        <button type="submit" className="button button--primary" disabled={props.busy}>
          {props.busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}

function TokenRow({ t, orgId, onRevoked }: { t: Token; orgId: string; onRevoked: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete('/api/v1/orgs/{orgID}/tokens/{tokenID}', { path: { orgID: orgId, tokenID: t.id } });
      onRevoked();
    } catch (err) {
      setError(problemText(err, 'revoke the token'));
      setBusy(false);
    }
  };
  return (
    <li className="set__item">
      <div className="set__token">
        <span className="set__avatar set__avatar--key" aria-hidden="true">
          <Icon d={['M21 2l-2 2m-7.61 7.61a5.5 5.5 0 1 1-7.778 7.778 5.5 5.5 0 0 1 7.777-7.777zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4']} />
        </span>
        <div className="set__who">
          <p className="set__name" id={`${id}-name`}>
            {t.name}
          </p>
          <p className="set__muted">
            Created {formatDate(t.created_at)} · {t.last_used_at ? `last used ${formatDate(t.last_used_at)}` : 'never used'}
          </p>
          <ul className="set__tags" aria-label="Scopes">
            {t.scopes.map((s) => (
              <li key={s} className="set__tag">
                {s}
              </li>
            ))}
          </ul>
        </div>
        <div className="set__member-end">
          {!confirm && (
            <button type="button" className="button button--ghost set__danger" onClick={() => setConfirm(true)} aria-describedby={`${id}-name`}>
              Revoke
            </button>
          )}
        </div>
      </div>
      {confirm && (
        <Confirm
          question={`Revoke “${t.name}”? Whatever uses it stops working at once.`}
          action={busy ? 'Revoking…' : 'Revoke'}
          busy={busy}
          onConfirm={revoke}
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
