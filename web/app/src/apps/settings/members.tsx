// Settings → Members: who belongs to the org and with which role; add an
// existing Xentri user by e-mail, change a role, remove someone (or leave).
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { $org, $orgs, chooseOrg } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import {
  byRole,
  collect,
  grantable,
  manages,
  ownerCount,
  roleInfo,
  roles,
  whyNotChange,
  whyNotRemove,
  withRole,
  type Member,
  type Role,
} from './model';
import { Confirm, formatDate, Icon, problemText, useLoaded } from './ui';

export interface SectionProps {
  orgId: string;
  orgName: string;
  /** The signed-in user's role in the org (undefined while the orgs load). */
  role: Role | undefined;
  userId: string | undefined;
}

export function Members({ orgId, orgName, role, userId }: SectionProps) {
  const list = useLoaded(
    (signal) =>
      collect((cursor) => api.get('/api/v1/orgs/{orgID}/members', { path: { orgID: orgId }, query: { limit: 200, cursor }, signal })).then(
        (r) => r.items,
      ),
    [orgId],
  );
  const [announce, setAnnounce] = useState('');
  const members = list.data ? [...list.data].sort(byRole) : [];
  const owners = ownerCount(members);

  return (
    <section className="set__section" aria-labelledby="set-members-h">
      <header className="set__head">
        <h2 id="set-members-h">Members</h2>
        <p>The people who can sign in to {orgName || 'this organisation'}, and what each may do.</p>
      </header>

      {manages(role) && <AddMember orgId={orgId} role={role} onAdded={(m) => {
        list.setData((l) => [...(l ?? []).filter((x) => x.user_id !== m.user_id), m]);
        setAnnounce(`${m.email} was added as ${roleInfo[m.role].label.toLowerCase()}.`);
      }} />}

      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>

      {list.loading && !list.data ? (
        <div className="card">
          <Skeleton lines={4} label="Loading members" />
        </div>
      ) : list.error && !list.data ? (
        <InlineError error={list.error} onRetry={list.reload} />
      ) : (
        <ul className="card set__list" aria-label="Members">
          {members.map((m) => (
            <MemberRow
              key={m.user_id}
              m={m}
              orgId={orgId}
              actor={role}
              self={m.user_id === userId}
              owners={owners}
              onRole={(r) => list.setData((l) => withRole(l ?? [], m.user_id, r))}
              onRemoved={() => {
                list.setData((l) => (l ?? []).filter((x) => x.user_id !== m.user_id));
                setAnnounce(`${m.email} was removed.`);
              }}
              announce={setAnnounce}
            />
          ))}
        </ul>
      )}

      <dl className="set__legend">
        {roles.map((r) => (
          <div key={r}>
            <dt>{roleInfo[r].label}</dt>
            <dd>{roleInfo[r].about}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function AddMember({ orgId, role, onAdded }: { orgId: string; role: Role | undefined; onAdded: (m: Member) => void }) {
  const choices = grantable(role);
  const [email, setEmail] = useState('');
  const [newRole, setNewRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(() => api.newActionKey());
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const value = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
      setError('Enter the e-mail address they sign in with.');
      return;
    }
    setBusy(true);
    try {
      const { data } = await api.post('/api/v1/orgs/{orgID}/members', {
        path: { orgID: orgId },
        body: { email: value, role: newRole },
        idempotencyKey: key,
      });
      onAdded(data as Member);
      setEmail('');
      setKey(api.newActionKey());
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setError(`No one signs in to Xentri as ${value} yet. Ask them to create an account first, then add them here.`);
      } else if (err instanceof ApiError && err.status === 409) {
        setError(err.detail);
      } else {
        setError(problemText(err, 'add them'));
      }
      setKey(api.newActionKey());
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card set__add" onSubmit={submit} aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`} className="set__subhead">
        Add someone
      </h3>
      <div className="set__add-row">
        <div className="set__field set__grow">
          <label className="set__label" htmlFor={`${id}-email`}>
            E-mail
          </label>
          <input
            id={`${id}-email`}
            className="set__input"
            type="email"
            autoComplete="off"
            placeholder="name@company.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={!!error}
            aria-describedby={`${id}-hint`}
          />
        </div>
        <div className="set__field">
          <label className="set__label" htmlFor={`${id}-role`}>
            Role
          </label>
          <select id={`${id}-role`} className="select set__select" value={newRole} onChange={(e) => setNewRole(e.target.value as Role)}>
            {choices.map((r) => (
              <option key={r} value={r}>
                {roleInfo[r].label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button--primary set__add-btn" disabled={busy}>
          {busy ? 'Adding…' : 'Add member'}
        </button>
      </div>
      <p id={`${id}-hint`} className={error ? 'field-error' : 'set__hint'} role={error ? 'alert' : undefined}>
        {error ?? 'They need a Xentri account: once they have signed up, add them with the e-mail they use.'}
      </p>
    </form>
  );
}

function MemberRow(props: {
  m: Member;
  orgId: string;
  actor: Role | undefined;
  self: boolean;
  owners: number;
  onRole: (r: Role) => void;
  onRemoved: () => void;
  announce: (s: string) => void;
}) {
  const { m, actor, self, owners } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<null | { kind: 'remove' } | { kind: 'role'; to: Role }>(null);
  const id = useId();
  // Admins cannot touch an owner's role; the options say which roles are open.
  const canEdit = manages(actor) && !(m.role === 'owner' && actor !== 'owner');
  const removeBlock = whyNotRemove(actor, m, self, owners);

  const changeRole = async (to: Role) => {
    const why = whyNotChange(actor, m, to, owners);
    if (why) {
      setError(why);
      return;
    }
    if (self && to !== m.role && m.role !== 'member' && !confirm) {
      setConfirm({ kind: 'role', to });
      return;
    }
    setConfirm(null);
    const from = m.role;
    setError(null);
    setBusy(true);
    props.onRole(to); // optimistic
    try {
      const { data } = await api.patch('/api/v1/orgs/{orgID}/members/{userID}', {
        path: { orgID: props.orgId, userID: m.user_id },
        body: { role: to },
      });
      const role = (data as Member | undefined)?.role ?? to;
      if (role !== to) props.onRole(role);
      if (self) $orgs.set($orgs.get().map((o) => (o.id === props.orgId ? { ...o, role } : o)));
      props.announce(`${m.email} is now ${roleInfo[role].label.toLowerCase()}.`);
    } catch (err) {
      props.onRole(from); // undo
      setError(problemText(err, 'change the role'));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setError(null);
    setBusy(true);
    try {
      await api.delete('/api/v1/orgs/{orgID}/members/{userID}', { path: { orgID: props.orgId, userID: m.user_id } });
      setConfirm(null);
      if (self) {
        // Left the org: act in another one (the frame remounts the app).
        const rest = $orgs.get().filter((o) => o.id !== props.orgId);
        $orgs.set(rest);
        $org.set(chooseOrg(rest, null));
        return;
      }
      props.onRemoved();
    } catch (err) {
      setError(problemText(err, self ? 'let you leave' : 'remove them'));
      setBusy(false);
    }
  };

  return (
    <li className="set__item">
      <div className="set__member">
        <span className="set__avatar" aria-hidden="true">
          {(m.email[0] ?? '?').toUpperCase()}
        </span>
        <div className="set__who">
          <p className="set__name">
            <span id={`${id}-email`}>{m.email}</span>
            {self && <span className="set__pill">You</span>}
          </p>
          <p className="set__muted">Joined {formatDate(m.joined_at)}</p>
        </div>
        <div className="set__member-end">
          {canEdit ? (
            <>
              <label className="visually-hidden" htmlFor={`${id}-role`}>
                Role of {m.email}
              </label>
              <select
                id={`${id}-role`}
                className="select set__select"
                value={m.role}
                disabled={busy}
                onChange={(e) => void changeRole(e.target.value as Role)}
              >
                {roles.map((r) => {
                  const why = whyNotChange(actor, m, r, owners);
                  return (
                    <option key={r} value={r} disabled={why !== null} title={why ?? undefined}>
                      {roleInfo[r].label}
                    </option>
                  );
                })}
              </select>
            </>
          ) : (
            <span className={`set__role set__role--${m.role}`}>{roleInfo[m.role].label}</span>
          )}
          {removeBlock === null && !confirm && (
            <button
              type="button"
              className="button button--ghost set__danger"
              onClick={() => setConfirm({ kind: 'remove' })}
              disabled={busy}
              aria-describedby={`${id}-email`}
            >
              {self ? 'Leave' : 'Remove'}
            </button>
          )}
          {removeBlock !== null && (self || manages(actor)) && (
            <span className="set__icon-hint" title={removeBlock}>
              <Icon d={['M12 16v-4', 'M12 8h.01', 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18']} />
              <span className="visually-hidden">{removeBlock}</span>
            </span>
          )}
        </div>
      </div>
      {confirm?.kind === 'remove' && (
        <Confirm
          question={
            self
              ? 'Leave this organisation? You will lose access to it until someone adds you again.'
              : `Remove ${m.email}? They lose access to this organisation at once.`
          }
          action={busy ? 'Removing…' : self ? 'Leave' : 'Remove'}
          busy={busy}
          onConfirm={remove}
          onCancel={() => setConfirm(null)}
        />
      )}
      {confirm?.kind === 'role' && (
        <Confirm
          question={`Make yourself ${roleInfo[confirm.to].label.toLowerCase()}? You may not be able to undo this yourself.`}
          action={`Make me ${roleInfo[confirm.to].label.toLowerCase()}`}
          busy={busy}
          onConfirm={() => void changeRole(confirm.to)}
          onCancel={() => setConfirm(null)}
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
