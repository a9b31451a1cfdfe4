// The board's dialogs: a new lead, and why a lead was lost.
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import * as data from './data';
import { fromDraft, serverErrors, toDraft, type Draft, type DraftErrors } from './draft';
import { LeadFields } from './fields';
import { Modal } from './modal';
import type { Lead } from './model';

export function NewLeadDialog({
  sources,
  currency,
  onClose,
  onCreated,
}: {
  sources: string[];
  currency: string;
  onClose: () => void;
  onCreated: (lead: Lead) => void;
}) {
  const title = useId();
  const [draft, setDraft] = useState<Draft>(() => ({ ...toDraft(null, currency), source: 'manual' }));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  // One key for this lead, kept across "Add lead" again after a failure.
  const [key] = useState(() => api.newActionKey());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const checked = fromDraft(draft);
    if (checked.errors) {
      setErrors(checked.errors);
      setFormError('');
      return;
    }
    setBusy(true);
    setFormError('');
    try {
      const lead = await data.createLead(checked.input, key);
      onCreated(lead);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 409) {
        setErrors({ email: err.detail });
      } else if (err instanceof ApiError && Object.keys(err.fields).length) {
        setErrors(serverErrors(err.fields));
        setFormError(err.detail);
      } else {
        setFormError(err instanceof ApiError ? err.detail : 'Something went wrong. Please try again.');
      }
    }
  };

  return (
    <Modal labelledBy={title} onClose={onClose} className="leads-modal--form">
      <form onSubmit={submit} noValidate>
        <header className="leads-modal__head">
          <h2 id={title}>New lead</h2>
          <p className="leads-muted">It starts in New; Xentri schedules its follow-ups.</p>
        </header>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <LeadFields
          draft={draft}
          errors={errors}
          sources={sources}
          autoFocusName
          onChange={(patch) => {
            setDraft((d) => ({ ...d, ...patch }));
            setErrors((er) => {
              const next = { ...er };
              for (const k of Object.keys(patch)) delete next[k as keyof Draft];
              return next;
            });
          }}
        />
        <footer className="leads-modal__foot">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add lead'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

const LOST_REASONS = ['Chose a competitor', 'No budget', 'No reply', 'Not a fit', 'Timing'];

export function LostDialog({
  name,
  onCancel,
  onConfirm,
}: {
  name: string;
  onCancel: () => void;
  onConfirm: (reason: string, note: string) => void;
}) {
  const title = useId();
  const reasonId = useId();
  const noteId = useId();
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError('Say why, in a few words: it helps you see patterns later.');
      return;
    }
    onConfirm(reason.trim(), note.trim());
  };

  return (
    <Modal labelledBy={title} onClose={onCancel} className="leads-modal--small">
      <form onSubmit={submit} noValidate>
        <header className="leads-modal__head">
          <h2 id={title}>Mark {name} as lost</h2>
          <p className="leads-muted">Its follow-ups stop.</p>
        </header>
        <div className="field leads-field">
          <label htmlFor={reasonId}>Why was it lost?</label>
          <input
            id={reasonId}
            className="leads-input"
            maxLength={500}
            value={reason}
            data-autofocus
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${reasonId}-error` : undefined}
            onChange={(e) => {
              setReason(e.target.value);
              setError('');
            }}
          />
          {error && (
            <p className="field-error" id={`${reasonId}-error`}>
              {error}
            </p>
          )}
          <div className="leads-chips" role="group" aria-label="Common reasons">
            {LOST_REASONS.map((r) => (
              <button
                key={r}
                type="button"
                className="leads-chip"
                aria-pressed={reason === r}
                onClick={() => {
                  setReason(r);
                  setError('');
                }}
              >
                {r}
              </button>
            ))}
          </div>
        </div>
        <div className="field leads-field">
          <label htmlFor={noteId}>
            Note <span className="field-optional">(optional)</span>
          </label>
          <textarea id={noteId} className="leads-input leads-textarea" rows={2} maxLength={5000} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <footer className="leads-modal__foot">
          <button type="button" className="button button--ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button--danger">
            Mark as lost
          </button>
        </footer>
      </form>
    </Modal>
  );
}
