// Settings → Sales: the follow-up cadence (the days after a lead arrives
// when a follow-up falls due), where it comes from (the Brief, set by hand,
// the default), and an editor for owners and admins.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import { InlineError, Skeleton } from '../../lib/ui';
import type { SectionProps } from './members';
import { cadenceBounds, cadenceSteps, formatCadence, manages, parseCadence, sourceInfo, type SalesSettings } from './model';
import { Denied, formatDate, problemText, useLoaded } from './ui';

export function Sales({ role }: SectionProps) {
  const settings = useLoaded((signal) => api.get('/api/v1/settings/sales', { signal }).then((r) => r.data ?? {}), []);
  const [editing, setEditing] = useState(false);
  const [announce, setAnnounce] = useState('');
  const s = settings.data;
  const days = s?.followup_cadence_days ?? [];
  const source = s?.source ?? 'default';

  return (
    <section className="set__section" aria-labelledby="set-sales-h">
      <header className="set__head">
        <h2 id="set-sales-h">Sales</h2>
        <p>How Xentri follows up with a new lead: a reminder falls due on each of these days after the lead arrives.</p>
      </header>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>

      {settings.loading && !s ? (
        <div className="card">
          <Skeleton lines={3} label="Loading sales settings" />
        </div>
      ) : settings.error && !s ? (
        <InlineError error={settings.error} onRetry={settings.reload} />
      ) : (
        <div className="card set__cadence">
          <div className="set__cadence-head">
            <h3 className="set__subhead">Follow-up cadence</h3>
            <span className={`set__source set__source--${source}`}>{sourceInfo[source].label}</span>
          </div>
          <p className="set__muted set__source-about">
            {sourceInfo[source].about}
            {s?.updated_at && source !== 'default' ? ` Last changed ${formatDate(s.updated_at)}.` : ''}
          </p>

          {editing ? (
            <CadenceEditor
              days={days}
              source={source}
              onCancel={() => setEditing(false)}
              onSaved={(next) => {
                settings.setData(next);
                setEditing(false);
                setAnnounce(`Follow-up cadence saved: days ${formatCadence(next.followup_cadence_days ?? [])}.`);
              }}
            />
          ) : (
            <>
              <Timeline days={days} />
              {manages(role) ? (
                <div className="set__row-actions">
                  <button type="button" className="button" onClick={() => setEditing(true)}>
                    Change cadence
                  </button>
                </div>
              ) : role !== undefined ? (
                <Denied what="change the cadence" />
              ) : null}
            </>
          )}
        </div>
      )}
    </section>
  );
}

function Timeline({ days }: { days: readonly number[] }) {
  if (!days.length) return <p className="set__muted">No follow-ups.</p>;
  return (
    <ol className="set__timeline" aria-label="Follow-ups">
      {cadenceSteps(days).map((step, i) => (
        <li key={step.day} className="set__step">
          {step.gap !== null && (
            <span className="set__gap" aria-hidden="true">
              +{step.gap}d
            </span>
          )}
          <span className="set__step-day">
            <span className="visually-hidden">Follow-up {i + 1}: </span>Day {step.day}
          </span>
        </li>
      ))}
    </ol>
  );
}

function CadenceEditor(props: {
  days: readonly number[];
  source: NonNullable<SalesSettings['source']>;
  onCancel: () => void;
  onSaved: (s: SalesSettings) => void;
}) {
  const [text, setText] = useState(formatCadence(props.days));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const parsed = parseCadence(text);
  const showError = touched && !parsed.ok;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!parsed.ok) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.put('/api/v1/settings/sales', { body: { followup_cadence_days: parsed.days } });
      props.onSaved(data ?? { followup_cadence_days: parsed.days, source: 'org' });
    } catch (err) {
      setError(problemText(err, 'save the cadence'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="set__cadence-form" onSubmit={submit} noValidate>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="set__field set__narrow">
        <label className="set__label" htmlFor={`${id}-days`}>
          Days after a lead arrives
        </label>
        <input
          id={`${id}-days`}
          className="set__input"
          inputMode="numeric"
          autoComplete="off"
          autoFocus
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setTouched(true);
          }}
          onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
          aria-invalid={showError}
          aria-describedby={`${id}-hint`}
        />
        <p id={`${id}-hint`} className={showError ? 'field-error' : 'set__hint'} aria-live="polite">
          {showError && !parsed.ok
            ? parsed.error
            : `Separated by commas, such as 1, 3, 7: up to ${cadenceBounds.maxDays} days, each from ${cadenceBounds.minDay} to ${cadenceBounds.maxDay}, in order.`}
        </p>
      </div>
      {parsed.ok && <Timeline days={parsed.days} />}
      <p className="set__muted set__note">
        The new cadence applies to leads that arrive from now on; leads already being followed up keep theirs.
        {props.source === 'brief' ? ' Once saved here, changes to your Brief no longer change it.' : ''}
      </p>
      <div className="set__row-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save cadence'}
        </button>
        <button type="button" className="button button--ghost" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
