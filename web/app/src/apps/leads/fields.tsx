// The lead's fields, shared by the new-lead form and the drawer's details.
import { useId, type ReactNode } from 'react';
import type { Draft, DraftErrors } from './draft';
import { COMMON_CURRENCIES } from './format';

export function Field({
  label,
  error,
  hint,
  optional,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  optional?: boolean;
  children: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field leads-field">
      <label htmlFor={id}>
        {label} {optional && <span className="field-optional">(optional)</span>}
      </label>
      {children({ id, ...(error ? { 'aria-invalid': true } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export interface LeadFieldsProps {
  draft: Draft;
  errors: DraftErrors;
  sources: string[];
  onChange: (patch: Partial<Draft>) => void;
  /** Leave the notes out (the drawer has a section of its own for them). */
  withoutNotes?: boolean;
  autoFocusName?: boolean;
}

export function LeadFields({ draft, errors, sources, onChange, withoutNotes, autoFocusName }: LeadFieldsProps) {
  const listId = useId();
  const currencies = COMMON_CURRENCIES.includes(draft.currency as (typeof COMMON_CURRENCIES)[number])
    ? COMMON_CURRENCIES
    : [draft.currency, ...COMMON_CURRENCIES];
  return (
    <div className="leads-fields">
      <Field label="Name" error={errors.name}>
        {(p) => (
          <input
            {...p}
            className="leads-input"
            value={draft.name}
            maxLength={200}
            required
            autoComplete="off"
            {...(autoFocusName ? { 'data-autofocus': true } : {})}
            onChange={(e) => onChange({ name: e.target.value })}
          />
        )}
      </Field>
      <div className="leads-fields__row">
        <Field label="E-mail" optional error={errors.email}>
          {(p) => (
            <input {...p} className="leads-input" type="email" autoComplete="off" value={draft.email} onChange={(e) => onChange({ email: e.target.value })} />
          )}
        </Field>
        <Field label="Phone" optional error={errors.phone}>
          {(p) => <input {...p} className="leads-input" type="tel" autoComplete="off" value={draft.phone} onChange={(e) => onChange({ phone: e.target.value })} />}
        </Field>
      </div>
      <Field label="Company" optional error={errors.company}>
        {(p) => <input {...p} className="leads-input" autoComplete="off" value={draft.company} onChange={(e) => onChange({ company: e.target.value })} />}
      </Field>
      <div className="leads-fields__row">
        <Field label="Estimated value" optional error={errors.amount ?? errors.currency}>
          {(p) => (
            <div className="leads-money">
              <input
                {...p}
                className="leads-input leads-money__amount"
                inputMode="decimal"
                placeholder="0"
                value={draft.amount}
                onChange={(e) => onChange({ amount: e.target.value })}
              />
              <select
                className="leads-input leads-money__currency"
                aria-label="Currency"
                value={draft.currency}
                onChange={(e) => onChange({ currency: e.target.value })}
              >
                {currencies.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
          )}
        </Field>
        <Field label="Source" optional error={errors.source} hint="Where the lead came from.">
          {(p) => (
            <>
              <input
                {...p}
                className="leads-input"
                list={listId}
                maxLength={100}
                placeholder="manual"
                autoComplete="off"
                value={draft.source}
                onChange={(e) => onChange({ source: e.target.value })}
              />
              <datalist id={listId}>
                {[...new Set(['manual', 'website', 'referral', 'event', 'phone', ...sources])].map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>
      {!withoutNotes && (
        <Field label="Notes" optional error={errors.notes}>
          {(p) => (
            <textarea {...p} className="leads-input leads-textarea" rows={3} maxLength={5000} value={draft.notes} onChange={(e) => onChange({ notes: e.target.value })} />
          )}
        </Field>
      )}
    </div>
  );
}
