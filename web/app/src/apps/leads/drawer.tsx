// The lead drawer (/leads/{id}): a side panel over the board (a modal
// dialog: Escape closes, the focus stays inside). Its stage (with a note),
// follow-ups with snooze, notes, details (PUT with the version read; a 412
// merges the other person's change with the user's edits), and timeline.
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { onEvent } from '../../lib/live';
import { $user } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import * as data from './data';
import { fromDraft, rebase, serverErrors, toDraft, type Draft, type DraftErrors, edited } from './draft';
import { LeadFields } from './fields';
import { formatDateTime, formatMoney, formatRelative, initials } from './format';
import { Modal } from './modal';
import { changedFields, listWords, STATUS_LABEL, STATUSES, toCard, type Card, type Lead, type LeadStatus } from './model';
import { describe, ended, localInput, snoozeOptions, who } from './timeline';

export interface DrawerProps {
  id: string;
  sources: string[];
  onClose: () => void;
  /** The lead changed here: the board shows it. */
  onChanged: (lead: Lead) => void;
  announce: (message: string) => void;
}

interface Notice {
  tone: 'error' | 'warning' | 'success';
  text: string;
}

const DETAIL_KEYS = ['name', 'email', 'phone', 'company', 'source', 'amount', 'currency'] as const;

export function LeadDrawer({ id, sources, onClose, onChanged, announce }: DrawerProps) {
  const titleId = useId();
  const [lead, setLead] = useState<Card | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [draft, setDraft] = useState<Draft>(() => toDraft(null));
  const [timelineKey, bumpTimeline] = useState(0);
  const [followKey, bumpFollow] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const leadRef = useRef(lead);
  leadRef.current = lead;
  const draftRef = useRef(draft);
  draftRef.current = draft;

  /** adopt takes a newer version of the lead, keeping the user's unsaved edits. */
  const adopt = useCallback((next: Lead, keep: readonly (keyof Draft)[] | 'all' = 'all') => {
    const card = toCard(next);
    if (!card) return [] as (keyof Draft)[];
    const before = leadRef.current;
    const baseDraft = toDraft(before);
    const latest = toDraft(card);
    let merged: Draft;
    let conflicts: (keyof Draft)[] = [];
    if (!before) {
      merged = latest;
    } else {
      ({ draft: merged, conflicts } = rebase(draftRef.current, baseDraft, latest));
      if (keep !== 'all') for (const k of keep) merged[k] = latest[k]; // just saved: the server's word
    }
    leadRef.current = card;
    draftRef.current = merged;
    setLead(card);
    setDraft(merged);
    return conflicts;
  }, []);

  // Load the lead.
  useEffect(() => {
    const abort = new AbortController();
    setLoadError(null);
    data.getLead(id, abort.signal).then(
      (l) => {
        if (abort.signal.aborted) return;
        leadRef.current = null;
        adopt(l);
      },
      (err) => !abort.signal.aborted && setLoadError(err),
    );
    return () => abort.abort();
  }, [id, attempt, adopt]);

  // Live: someone else's change to this lead, its follow-ups.
  useEffect(() => {
    const reload = async () => {
      try {
        const latest = await data.getLead(id);
        const before = leadRef.current;
        if (before && (latest.version ?? 0) <= before.version) return;
        const conflicts = adopt(latest);
        if (conflicts.length) {
          setNotice({ tone: 'warning', text: `Someone else just changed ${listWords(conflicts.map(label))}, which you are editing. Saving keeps yours.` });
        }
      } catch {
        // the next event or a save tells
      }
      bumpTimeline((n) => n + 1);
      bumpFollow((n) => n + 1);
    };
    const offLead = onEvent('xentri.lead.updated.v1', (e) => e.payload.lead_id === id && void reload());
    const offFollow = onEvent('xentri.followup.scheduled.v1', (e) => {
      if (e.payload.lead_id !== id) return;
      bumpTimeline((n) => n + 1);
      bumpFollow((n) => n + 1);
    });
    return () => {
      offLead();
      offFollow();
    };
  }, [id, adopt]);

  /** A save (details or notes) with the version read; a 412 merges. */
  const save = useCallback(
    async (keys: readonly (keyof Draft)[], what: string): Promise<DraftErrors | null> => {
      const base = leadRef.current;
      if (!base) return null;
      const baseDraft = toDraft(base);
      const mix: Draft = { ...baseDraft };
      for (const k of keys) mix[k] = draftRef.current[k];
      const checked = fromDraft(mix);
      if (checked.errors) return checked.errors;
      try {
        const saved = await data.updateLead(base.id, checked.input, base.version);
        adopt(saved, keys);
        onChanged(saved);
        setNotice(null);
        announce(`${what} saved.`);
        bumpTimeline((n) => n + 1);
        return null;
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          try {
            const latest = await data.getLead(base.id);
            const changed = changedFields(base, latest);
            const conflicts = adopt(latest);
            onChanged(latest);
            const theirs = changed.length ? listWords(changed) : 'this lead';
            const both = conflicts.length ? ` You both changed ${listWords(conflicts.map(label))}: yours is shown.` : '';
            setNotice({
              tone: 'warning',
              text: `Someone else changed ${theirs} while you were editing. Their change is in and your edits are kept.${both} Save again to apply yours.`,
            });
          } catch (e2) {
            setNotice({ tone: 'error', text: e2 instanceof ApiError ? e2.detail : 'Someone else changed this lead. Reload it and try again.' });
          }
          return {};
        }
        if (err instanceof ApiError && err.status === 409) return { email: err.detail };
        if (err instanceof ApiError && Object.keys(err.fields).length) return serverErrors(err.fields);
        setNotice({ tone: 'error', text: err instanceof ApiError ? err.detail : 'Something went wrong. Please try again.' });
        return {};
      }
    },
    [adopt, onChanged, announce],
  );

  return (
    <Modal labelledBy={titleId} className="leads-drawer" onClose={onClose}>
      <div className="leads-drawer__head">
        {lead ? (
          <div className="leads-drawer__who">
            <span className={`lead-card__avatar leads-drawer__avatar leads-tone--${lead.status}`} aria-hidden="true">
              {initials(lead.name)}
            </span>
            <div>
              <h2 id={titleId} className="leads-drawer__title">
                {lead.name}
              </h2>
              <p className="leads-drawer__sub">
                <span className={`leads-pill leads-pill--${lead.status}`}>{STATUS_LABEL[lead.status]}</span>
                {lead.value && lead.value.amount > 0 && <span>{formatMoney(lead.value)}</span>}
                {lead.company && <span>{lead.company}</span>}
              </p>
            </div>
          </div>
        ) : (
          <h2 id={titleId} className="leads-drawer__title">
            {loadError ? 'Lead' : 'Loading lead…'}
          </h2>
        )}
        <button type="button" className="button button--ghost leads-drawer__close" aria-label="Close" data-autofocus onClick={onClose}>
          <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" focusable="false">
            <path d="M4.5 4.5l9 9m0-9l-9 9" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          </svg>
        </button>
      </div>
      <div className="leads-drawer__body">
        {loadError ? (
          <InlineError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />
        ) : !lead ? (
          <Skeleton lines={6} label="Loading the lead" />
        ) : (
          <>
            {notice && (
              <div className={`notice leads-notice leads-notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
                <p>{notice.text}</p>
                <button type="button" className="button button--ghost" onClick={() => setNotice(null)}>
                  Dismiss
                </button>
              </div>
            )}
            <Contact lead={lead} />
            <StageSection
              lead={lead}
              onMoved={(l) => {
                adopt(l, []);
                onChanged(l);
                bumpTimeline((n) => n + 1);
                bumpFollow((n) => n + 1);
              }}
              onStale={async () => {
                try {
                  const latest = await data.getLead(lead.id);
                  adopt(latest);
                  onChanged(latest);
                } catch {
                  // shown by the section
                }
              }}
              announce={announce}
            />
            <FollowUpsSection id={lead.id} reloadKey={followKey} announce={announce} />
            <NotesSection draft={draft} base={toDraft(lead)} onChange={(notes) => setDraft((d) => ({ ...d, notes }))} onSave={() => save(['notes'], 'Notes')} />
            <DetailsSection
              draft={draft}
              base={toDraft(lead)}
              sources={sources}
              onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
              onDiscard={() => setDraft((d) => ({ ...toDraft(lead), notes: d.notes }))}
              onSave={() => save(DETAIL_KEYS, 'Details')}
            />
            <TimelineSection id={lead.id} reloadKey={timelineKey} />
          </>
        )}
      </div>
    </Modal>
  );
}

const LABELS: Record<keyof Draft, string> = {
  name: 'the name',
  email: 'the e-mail',
  phone: 'the phone',
  company: 'the company',
  source: 'the source',
  amount: 'the value',
  currency: 'the currency',
  notes: 'the notes',
};
const label = (k: keyof Draft) => LABELS[k];

function Contact({ lead }: { lead: Card }) {
  return (
    <dl className="leads-contact">
      {lead.email && (
        <div>
          <dt>E-mail</dt>
          <dd>
            <a href={`mailto:${lead.email}`}>{lead.email}</a>
          </dd>
        </div>
      )}
      {lead.phone && (
        <div>
          <dt>Phone</dt>
          <dd>
            <a href={`tel:${lead.phone.replace(/[^\d+]/g, '')}`}>{lead.phone}</a>
          </dd>
        </div>
      )}
      <div>
        <dt>Source</dt>
        <dd>{lead.source || 'manual'}</dd>
      </div>
      {lead.created_at && (
        <div>
          <dt>Added</dt>
          <dd>
            <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)}>
              {formatRelative(lead.created_at)}
            </time>
          </dd>
        </div>
      )}
    </dl>
  );
}

function StageSection({
  lead,
  onMoved,
  onStale,
  announce,
}: {
  lead: Card;
  onMoved: (lead: Lead) => void;
  onStale: () => void;
  announce: (m: string) => void;
}) {
  const headingId = useId();
  const noteId = useId();
  const reasonId = useId();
  const [to, setTo] = useState<LeadStatus | null>(null);
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(() => api.newActionKey());

  const reset = () => {
    setTo(null);
    setNote('');
    setReason('');
    setError('');
    setKey(api.newActionKey());
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!to || busy) return;
    if (to === 'lost' && !reason.trim()) {
      setError('Say why it was lost.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const moved = await data.setStatus(lead.id, { status: to, version: lead.version, note, lostReason: reason }, key);
      onMoved(moved);
      announce(`Moved ${lead.name} to ${STATUS_LABEL[to]}.`);
      reset();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        setError('Someone else changed this lead a moment ago. It now shows their change: check it, then move it again.');
        onStale();
        setKey(api.newActionKey());
      } else {
        setError(err instanceof ApiError ? (err.fields.lost_reason ?? err.detail) : 'Something went wrong. Please try again.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="leads-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="leads-section__title">
        Stage
      </h3>
      <div className="leads-stages" role="group" aria-labelledby={headingId}>
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            className={`leads-stage leads-stage--${s}`}
            aria-pressed={(to ?? lead.status) === s}
            aria-current={lead.status === s ? 'step' : undefined}
            onClick={() => {
              setTo(s === lead.status ? null : s);
              setError('');
            }}
          >
            {STATUS_LABEL[s]}
          </button>
        ))}
      </div>
      {lead.status === 'lost' && lead.lost_reason && !to && <p className="leads-muted">Lost: {lead.lost_reason}</p>}
      {to && (
        <form className="leads-stage-form" onSubmit={submit} noValidate>
          {to === 'lost' && (
            <div className="field leads-field">
              <label htmlFor={reasonId}>Why was it lost?</label>
              <input id={reasonId} className="leads-input" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
          )}
          <div className="field leads-field">
            <label htmlFor={noteId}>
              Note <span className="field-optional">(optional, goes on the timeline)</span>
            </label>
            <textarea
              id={noteId}
              className="leads-input leads-textarea"
              rows={2}
              maxLength={5000}
              value={note}
              placeholder={`What happened? e.g. "Called, sending a quote"`}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="leads-actions">
            <button type="button" className="button button--ghost" onClick={reset}>
              Cancel
            </button>
            <button type="submit" className={`button ${to === 'lost' ? 'button--danger' : 'button--primary'}`} disabled={busy}>
              {busy ? 'Moving…' : `Move to ${STATUS_LABEL[to]}`}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function FollowUpsSection({ id, reloadKey, announce }: { id: string; reloadKey: number; announce: (m: string) => void }) {
  const headingId = useId();
  const customId = useId();
  const [state, setState] = useState<{ data?: data.FollowUps; error?: unknown; loading: boolean }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  const [custom, setCustom] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    data.followUps(id, abort.signal).then(
      (d) => !abort.signal.aborted && setState({ data: d, loading: false }),
      (error) => !abort.signal.aborted && setState({ error, loading: false }),
    );
    return () => abort.abort();
  }, [id, reloadKey, attempt]);

  const f = state.data;
  const upcoming = f?.upcoming ?? [];
  const past = [...(f?.past ?? [])].reverse();
  const stop = ended(f);
  const now = new Date();

  const snoozeTo = async (until: Date, label: string) => {
    if (busy) return;
    if (until.getTime() <= Date.now()) {
      setMessage({ tone: 'error', text: 'Pick a time in the future.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await data.snooze(id, until);
      const text = `Next follow-up moved to ${formatDateTime(until.toISOString())}.`;
      setMessage({ tone: 'success', text });
      announce(text);
      setCustom('');
      setAttempt((n) => n + 1);
    } catch (err) {
      setMessage({ tone: 'error', text: err instanceof ApiError ? err.detail : `Could not snooze to ${label}. Please try again.` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="leads-section" aria-labelledby={headingId} aria-busy={state.loading || undefined}>
      <h3 id={headingId} className="leads-section__title">
        Follow-ups
      </h3>
      {state.error ? (
        <InlineError error={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      ) : !f ? (
        <Skeleton lines={2} label="Loading follow-ups" />
      ) : (
        <>
          {upcoming.length > 0 ? (
            <ol className="leads-followups">
              {upcoming.map((u, i) => (
                <li key={`u-${u.step}-${i}`} className={`leads-followup${i === 0 ? ' is-next' : ''}`}>
                  <span className="leads-followup__step">Step {u.step}</span>
                  <span className="leads-followup__when">
                    {u.due_at && (
                      <time dateTime={u.due_at} title={formatDateTime(u.due_at)}>
                        {i === 0 ? 'Next, ' : ''}
                        {formatRelative(u.due_at)}
                      </time>
                    )}
                  </span>
                  {u.due_at && <span className="leads-muted">{formatDateTime(u.due_at)}</span>}
                </li>
              ))}
            </ol>
          ) : (
            <p className="leads-muted">{stop ?? 'Nothing scheduled.'}</p>
          )}
          {upcoming.length > 0 && !stop && (
            <div className="leads-snooze">
              <p className="leads-snooze__label">Snooze the next one</p>
              <div className="leads-chips" role="group" aria-label="Snooze the next follow-up">
                {snoozeOptions(now).map((o) => (
                  <button key={o.label} type="button" className="leads-chip" disabled={busy} onClick={() => snoozeTo(o.until, o.label)}>
                    {o.label}
                  </button>
                ))}
              </div>
              <form
                className="leads-snooze__custom"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (custom) void snoozeTo(new Date(custom), custom);
                }}
              >
                <label htmlFor={customId} className="visually-hidden">
                  Snooze until
                </label>
                <input
                  id={customId}
                  className="leads-input"
                  type="datetime-local"
                  min={localInput(now)}
                  value={custom}
                  onChange={(e) => setCustom(e.target.value)}
                />
                <button type="submit" className="button" disabled={busy || !custom}>
                  Snooze
                </button>
              </form>
            </div>
          )}
          {message && (
            <p className={message.tone === 'error' ? 'field-error' : 'leads-success'} role={message.tone === 'error' ? 'alert' : 'status'}>
              {message.text}
            </p>
          )}
          {past.length > 0 && (
            <>
              <h4 className="leads-subtitle">Earlier</h4>
              <ul className="leads-followups leads-followups--past">
                {past.map((p) => (
                  <li key={p.id ?? `${p.step}`} className="leads-followup">
                    <span className="leads-followup__step">Step {p.step}</span>
                    <span className={`leads-pill leads-pill--${p.status === 'done' ? 'won' : 'contacted'}`}>{p.status === 'done' ? 'Done' : 'Due'}</span>
                    {p.due_at && <span className="leads-muted">{formatDateTime(p.due_at)}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
          {upcoming.length > 0 && stop && <p className="leads-muted">{stop}</p>}
        </>
      )}
    </section>
  );
}

function NotesSection({ draft, base, onChange, onSave }: { draft: Draft; base: Draft; onChange: (notes: string) => void; onSave: () => Promise<DraftErrors | null> }) {
  const headingId = useId();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const dirty = draft.notes !== base.notes;
  return (
    <section className="leads-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="leads-section__title">
        Notes
      </h3>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const errs = await onSave();
          setBusy(false);
          setError(errs?.notes ?? '');
        }}
      >
        <textarea
          className="leads-input leads-textarea"
          aria-labelledby={headingId}
          rows={4}
          maxLength={5000}
          placeholder="What you know about them, what they asked for…"
          value={draft.notes}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
        {error && <p className="field-error">{error}</p>}
        {dirty && (
          <div className="leads-actions">
            <button type="button" className="button button--ghost" onClick={() => onChange(base.notes)}>
              Discard
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save notes'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

function DetailsSection({
  draft,
  base,
  sources,
  onChange,
  onDiscard,
  onSave,
}: {
  draft: Draft;
  base: Draft;
  sources: string[];
  onChange: (patch: Partial<Draft>) => void;
  onDiscard: () => void;
  onSave: () => Promise<DraftErrors | null>;
}) {
  const headingId = useId();
  const [errors, setErrors] = useState<DraftErrors>({});
  const [busy, setBusy] = useState(false);
  const dirty = edited(draft, base).some((k) => k !== 'notes');
  return (
    <section className="leads-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="leads-section__title">
        Details
      </h3>
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const errs = await onSave();
          setBusy(false);
          setErrors(errs ?? {});
        }}
      >
        <LeadFields
          draft={draft}
          errors={errors}
          sources={sources}
          withoutNotes
          onChange={(patch) => {
            onChange(patch);
            setErrors((er) => {
              const next = { ...er };
              for (const k of Object.keys(patch)) delete next[k as keyof Draft];
              return next;
            });
          }}
        />
        <div className="leads-actions">
          <button type="button" className="button button--ghost" disabled={!dirty} onClick={onDiscard}>
            Discard
          </button>
          <button type="submit" className="button button--primary" disabled={!dirty || busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </section>
  );
}

function TimelineSection({ id, reloadKey }: { id: string; reloadKey: number }) {
  const headingId = useId();
  const me = useStore($user)?.id ?? null;
  const [items, setItems] = useState<data.Activity[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'more' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setState((s) => (s === 'ready' ? 'ready' : 'loading'));
    data.activities(id, null, abort.signal).then(
      (page) => {
        if (abort.signal.aborted) return;
        setItems(page.items);
        setCursor(page.cursor);
        setState('ready');
      },
      (err) => {
        if (abort.signal.aborted) return;
        setError(err);
        setState('error');
      },
    );
    return () => abort.abort();
  }, [id, reloadKey, attempt]);

  const more = async () => {
    if (!cursor) return;
    setState('more');
    try {
      const page = await data.activities(id, cursor);
      setItems((xs) => [...xs, ...page.items.filter((a) => !xs.some((x) => x.id === a.id))]);
      setCursor(page.cursor);
      setState('ready');
    } catch (err) {
      setError(err);
      setState('error');
    }
  };

  return (
    <section className="leads-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="leads-section__title">
        Timeline
      </h3>
      {state === 'error' ? (
        <InlineError error={error} onRetry={() => (items.length ? void more() : setAttempt((n) => n + 1))} />
      ) : state === 'loading' ? (
        <Skeleton lines={3} label="Loading the timeline" />
      ) : items.length === 0 ? (
        <p className="leads-muted">Nothing yet.</p>
      ) : null}
      {items.length > 0 && (
        <ol className="leads-timeline">
          {items.map((a, i) => {
            const t = describe(a);
            return (
              <li key={a.id ?? i} className={`leads-timeline__item leads-timeline__item--${t.tone}`}>
                <span className="leads-timeline__dot" aria-hidden="true" />
                <div>
                  <p className="leads-timeline__title">{t.title}</p>
                  {t.quote && <p className="leads-timeline__quote">{t.quote}</p>}
                  <p className="leads-timeline__meta">
                    {who(a.actor, me)}
                    {a.created_at && (
                      <>
                        {' · '}
                        <time dateTime={a.created_at} title={formatDateTime(a.created_at)}>
                          {formatRelative(a.created_at)}
                        </time>
                      </>
                    )}
                  </p>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {cursor && state !== 'error' && (
        <button type="button" className="button button--ghost" disabled={state === 'more'} onClick={() => void more()}>
          {state === 'more' ? 'Loading…' : 'Show more'}
        </button>
      )}
    </section>
  );
}
