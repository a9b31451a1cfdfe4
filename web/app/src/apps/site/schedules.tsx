// Scheduled publishes: pick a local date and time; the pages publish as
// they are now (later edits are not in it) when it comes.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { detailOf, useSite, type Schedule } from './context';
import { dateTime, relativeTime } from './format';
import { humanize } from './problems';
import { defaultScheduleInput, localToUtcIso, localZone, toLocalInput } from './schedule';
import { Confirm, Icon } from './ui';

export function Schedules() {
  const { site, releasesTick } = useSite();
  const [tick, setTick] = useState(0);
  const list = useQuery(
    (signal) => api.get('/api/v1/sites/{siteID}/schedules', { path: { siteID: site.id }, query: { limit: 100 }, signal }),
    [site.id, tick, releasesTick],
  );
  const [when, setWhen] = useState(() => defaultScheduleInput(new Date()));
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [cancelling, setCancelling] = useState<Schedule | null>(null);
  const [cancelBusy, setCancelBusy] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const publishAt = localToUtcIso(when);
    if (!publishAt) {
      setFieldError('Pick a date and a time.');
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      await api.post('/api/v1/sites/{siteID}/schedules', { path: { siteID: site.id }, body: { publish_at: publishAt } });
      pushToast(`Publish scheduled for ${dateTime(publishAt)}.`, { tone: 'success' });
      setTick((n) => n + 1);
    } catch (err) {
      if (err instanceof ApiError && err.fields.publish_at) setFieldError(`The time ${humanize(err.fields.publish_at)}.`);
      else setError(detailOf(err));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!cancelling) return;
    setCancelBusy(true);
    setCancelError(null);
    try {
      await api.delete('/api/v1/sites/{siteID}/schedules/{scheduleID}', { path: { siteID: site.id, scheduleID: cancelling.id } });
      setCancelling(null);
      setTick((n) => n + 1);
    } catch (err) {
      setCancelError(detailOf(err));
      if (err instanceof ApiError && err.status === 409) setTick((n) => n + 1);
    } finally {
      setCancelBusy(false);
    }
  };

  const schedules = [...(list.data?.data ?? [])].sort((a, b) => Date.parse(b.publish_at) - Date.parse(a.publish_at));
  const upcoming = schedules.filter((s) => s.status === 'scheduled').reverse();
  const past = schedules.filter((s) => s.status !== 'scheduled').slice(0, 5);
  const min = toLocalInput(new Date());

  return (
    <section className="card st-card" aria-labelledby="st-sched-title">
      <div className="st-card__head">
        <h3 id="st-sched-title">Scheduled publishes</h3>
      </div>
      <form className="st-schedule-form" onSubmit={submit} noValidate>
        <div className="field st-field">
          <label htmlFor="st-sched-when">Publish the pages as they are now on</label>
          <input
            id="st-sched-when"
            type="datetime-local"
            value={when}
            min={min}
            onChange={(e) => setWhen(e.target.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={`st-sched-hint${fieldError ? ' st-sched-error' : ''}`}
          />
          <p className="field-hint" id="st-sched-hint">
            Your time ({localZone()}). Edits made after scheduling are not in it.
          </p>
          {fieldError && (
            <p className="field-error" id="st-sched-error" role="alert">
              {fieldError}
            </p>
          )}
        </div>
        <button type="submit" className="button" disabled={busy}>
          <Icon name="calendar" />
          {busy ? 'Scheduling…' : 'Schedule publish'}
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
      {list.loading && !list.data ? (
        <Skeleton lines={2} label="Loading the schedules" />
      ) : list.error ? (
        <InlineError error={list.error} onRetry={list.retry} />
      ) : (
        schedules.length > 0 && (
          <ul className="st-schedule-list">
            {upcoming.map((s) => (
              <li key={s.id} className="st-schedule">
                <div>
                  <strong>{dateTime(s.publish_at)}</strong>
                  <div className="st-muted st-small">
                    {relativeTime(s.publish_at)} · {Object.keys(s.pins).length} {Object.keys(s.pins).length === 1 ? 'page' : 'pages'} as saved{' '}
                    {relativeTime(s.created_at)}
                  </div>
                </div>
                <button type="button" className="button button--ghost" onClick={() => setCancelling(s)} aria-label={`Cancel the publish of ${dateTime(s.publish_at)}`}>
                  Cancel
                </button>
              </li>
            ))}
            {past.map((s) => (
              <li key={s.id} className="st-schedule st-schedule--past">
                <div>
                  <span>{dateTime(s.publish_at)}</span>
                  <span className="st-muted st-small"> · {s.status === 'fired' ? 'published' : 'cancelled'}</span>
                </div>
              </li>
            ))}
          </ul>
        )
      )}
      <Confirm
        open={cancelling !== null}
        title="Cancel this scheduled publish?"
        confirmLabel="Cancel the publish"
        danger
        busy={cancelBusy}
        error={cancelError}
        onConfirm={() => void cancel()}
        onCancel={() => {
          setCancelling(null);
          setCancelError(null);
        }}
      >
        <p>Nothing will be published on {cancelling ? dateTime(cancelling.publish_at) : ''}. Your drafts stay as they are.</p>
      </Confirm>
    </section>
  );
}
