// One section of the Brief: its fields with value, confidence and where
// each came from, the questions still open, an editor (If-Match, and a
// 412 handled by keeping the owner's changes on top of the newer Brief),
// and a way to ask the co-pilot to propose the section from the owner's
// words.
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { changes, draftsOf, rebase, saveSection, type Draft, type PriceRow, type SectionId } from './edit';
import { proposer, type Proposed } from './propose';
import { SourceValue } from './SourceValue';
import {
  confidenceLabel,
  confidenceLevel,
  formatValue,
  originLabel,
  valueItems,
  type Brief,
  type BriefField,
  type FieldSpec,
  type SectionSpec,
} from './vocab';

export interface SectionCardProps {
  spec: SectionSpec;
  brief: Brief;
  /** The Brief after a save. */
  onSaved: (b: Brief) => void;
  /** Load the Brief again (it changed under the editor). */
  onStale: () => void;
  /** The co-pilot proposed values for the section: show the proposal. */
  onProposed: (r: Proposed) => void;
}

export function SectionCard({ spec, brief, onSaved, onStale, onProposed }: SectionCardProps) {
  const [open, setOpen] = useState<'edit' | 'ask' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const editBtn = useRef<HTMLButtonElement>(null);
  const askBtn = useRef<HTMLButtonElement>(null);
  const fields = brief.data?.sections?.[spec.id]?.fields ?? {};
  const missing = new Map((brief.data?.missing ?? []).filter((m) => m.section === spec.id).map((m) => [m.field ?? '', m.question ?? '']));
  const headingId = `bf-sec-${spec.id}`;
  const editing = open === 'edit';

  // Back from the editor or the asking form, the focus returns to the button that opened it.
  const was = useRef<typeof open>(null);
  useEffect(() => {
    if (!open && was.current) (was.current === 'edit' ? editBtn : askBtn).current?.focus();
    was.current = open;
  }, [open]);
  const close = () => setOpen(null);
  const start = (what: 'edit' | 'ask') => {
    setNote(null);
    setOpen(what);
  };

  return (
    <section className={`card bf-section${editing ? ' bf-section--editing' : ''}`} aria-labelledby={headingId}>
      <header className="bf-section__head">
        <h2 id={headingId}>{spec.title}</h2>
        {!open && (
          <div className="bf-section__actions">
            <button ref={askBtn} type="button" className="button button--ghost bf-ask" onClick={() => start('ask')} aria-label={`Ask the co-pilot about ${spec.title}`}>
              <span aria-hidden="true">✦</span>
              Ask the co-pilot
            </button>
            <button ref={editBtn} type="button" className="button button--ghost bf-edit" onClick={() => start('edit')} aria-label={`Edit ${spec.title}`}>
              Edit
            </button>
          </div>
        )}
      </header>
      <div role="status" className="bf-section__note">
        {note && <p className="notice bf-note">{note}</p>}
      </div>
      {open === 'ask' && (
        <AskForm
          spec={spec}
          onCancel={close}
          onNothing={(detail) => {
            setNote(detail);
            close();
          }}
          onProposed={onProposed}
        />
      )}
      {editing ? (
        <SectionEditor
          spec={spec}
          fields={fields}
          version={brief.version ?? 0}
          onCancel={close}
          onSaved={(b) => {
            onSaved(b);
            close();
          }}
          onStale={onStale}
        />
      ) : (
        <dl className="bf-fields">
          {spec.fields.map((f) => {
            const value = fields[f.id];
            if (value) return <FieldView key={f.id} spec={f} sectionId={spec.id} field={value} />;
            return (
              <div key={f.id} className="bf-field bf-field--missing">
                <dt>{f.title}</dt>
                <dd>
                  <span className="bf-missing">Not known yet</span>
                  {missing.get(f.id) && <span className="bf-question">{missing.get(f.id)}</span>}
                </dd>
              </div>
            );
          })}
        </dl>
      )}
    </section>
  );
}

/**
 * AskForm asks the co-pilot to propose the section from the owner's words,
 * with an optional instruction. A proposal goes to onProposed (the app shows
 * it), "nothing new" (409) to onNothing; any other failure stays here, said
 * inline, for a try again.
 */
function AskForm({
  spec,
  onCancel,
  onNothing,
  onProposed,
}: {
  spec: SectionSpec;
  onCancel: () => void;
  onNothing: (detail: string) => void;
  onProposed: (r: Proposed) => void;
}) {
  const id = useId();
  const [instruction, setInstruction] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [propose] = useState(() => proposer());
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
  }, []);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await propose(spec.id as SectionId, instruction);
      if (r.kind === 'nothing') onNothing(r.detail);
      else onProposed(r); // the app moves to the proposal
    } catch (err) {
      setError(err);
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <form className="bf-ask-form" onSubmit={submit} aria-busy={busy || undefined} noValidate>
      <label htmlFor={`${id}-instruction`} className="bf-label">
        How should it read? <span className="field-optional">(optional)</span>
      </label>
      <input
        id={`${id}-instruction`}
        ref={input}
        className="bf-input"
        maxLength={500}
        value={instruction}
        readOnly={busy}
        aria-describedby={`${id}-hint`}
        onChange={(e) => setInstruction(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && !busy && onCancel()}
      />
      <p id={`${id}-hint`} className="field-hint">
        In a few words, like “shorter” or “mention delivery”. The co-pilot reads what you told it again and proposes values for {spec.title}; nothing changes until you accept.
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error instanceof ApiError ? error.detail : 'Something went wrong. Please try again.'}
        </p>
      ) : null}
      <div className="bf-ask-form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Proposing…' : error ? 'Try again' : 'Propose'}
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <span className="bf-ask-form__wait" role="status">
          {busy ? 'Reading what you told the co-pilot…' : ''}
        </span>
      </div>
    </form>
  );
}

function FieldView({ spec, sectionId, field }: { spec: FieldSpec; sectionId: string; field: BriefField }) {
  const items = valueItems(field.value, spec.kind);
  const list = spec.kind === 'strings' || spec.kind === 'price_points' || (spec.kind === 'unknown' && items.length > 1);
  const level = confidenceLevel(field.confidence);
  return (
    <div className="bf-field">
      <dt>{spec.title}</dt>
      <dd>
        <SourceValue field={field}>
          {list ? (
            <span className="bf-chips">
              {items.map((it, i) => (
                <span key={i} className="bf-chip">
                  {it}
                </span>
              ))}
            </span>
          ) : (
            formatValue(field.value, spec.kind, sectionId, spec.id)
          )}
        </SourceValue>
        <span className="bf-meta">
          {field.confidence !== undefined && field.origin !== 'user' && (
            <span className={`bf-conf bf-conf--${level}`} title="How sure the co-pilot is of this value">
              <span className="bf-conf__bar" aria-hidden="true">
                <span style={{ width: `${Math.round((field.confidence ?? 0) * 100)}%` }} />
              </span>
              {confidenceLabel(field.confidence)}
            </span>
          )}
          <span>{originLabel(field.origin)}</span>
        </span>
      </dd>
    </div>
  );
}

function SectionEditor({
  spec,
  fields,
  version,
  onCancel,
  onSaved,
  onStale,
}: {
  spec: SectionSpec;
  fields: Record<string, BriefField>;
  version: number;
  onCancel: () => void;
  onSaved: (b: Brief) => void;
  onStale: () => void;
}) {
  const formId = useId();
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => draftsOf(spec.fields, fields));
  const [dirty, setDirty] = useState<Set<string>>(() => new Set());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ from: number } | null>(null);
  const [saving, setSaving] = useState(false);
  const base = useRef(version);
  const first = useRef<HTMLElement | null>(null);

  useEffect(() => {
    first.current?.focus();
  }, []);

  // The Brief was reloaded after a 412: the owner's changes on top of it.
  useEffect(() => {
    if (version === base.current) return;
    base.current = version;
    setDrafts((d) => rebase(spec.fields, d, dirty, fields));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);

  const set = (id: string, d: Draft) => {
    setDrafts((all) => ({ ...all, [id]: d }));
    setDirty((s) => new Set(s).add(id));
    setErrors(({ [id]: _, ...rest }) => rest);
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (saving) return;
    const { fields: changed, errors: bad } = changes(spec.fields, drafts, fields);
    setErrors(bad);
    setProblem(null);
    if (Object.keys(bad).length) return;
    if (Object.keys(changed).length === 0) return onCancel();
    setSaving(true);
    try {
      const res = await saveSection(spec.id as SectionId, changed, version);
      if (res.kind === 'conflict') {
        setConflict({ from: version });
        onStale();
        return;
      }
      pushToast(`${spec.title} saved: version ${res.brief.version}.`, { tone: 'success' });
      onSaved(res.brief);
    } catch (err) {
      if (err instanceof ApiError) {
        const byField: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields)) byField[k.replace(/^fields\./, '')] = v;
        setErrors(byField);
        setProblem(err.detail);
      } else setProblem('Something went wrong. Please try again.');
    } finally {
      setSaving(false);
    }
  };

  const reloading = conflict !== null && version === conflict.from;

  return (
    <form className="bf-editor" onSubmit={save} aria-describedby={conflict ? `${formId}-conflict` : undefined} noValidate>
      {conflict && (
        <div id={`${formId}-conflict`} className="notice bf-notice--warning" role="alert">
          <p>
            {reloading
              ? 'Your Brief changed while you were editing. Loading the latest version…'
              : `Your Brief changed while you were editing: it is now at version ${version}. Your changes are kept on top of it; check them and save again.`}
          </p>
        </div>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {spec.fields.map((f, i) => (
        <FieldInput
          key={f.id}
          spec={f}
          id={`${formId}-${f.id}`}
          draft={drafts[f.id]!}
          error={errors[f.id]}
          onChange={(d) => set(f.id, d)}
          inputRef={i === 0 ? (el) => void (first.current = el) : undefined}
        />
      ))}
      <div className="bf-editor__actions">
        <button type="submit" className="button button--primary" disabled={saving || reloading}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          Cancel
        </button>
        <span className="bf-editor__hint">Leave a field empty to remove it.</span>
      </div>
    </form>
  );
}

function FieldInput({
  spec,
  id,
  draft,
  error,
  onChange,
  inputRef,
}: {
  spec: FieldSpec;
  id: string;
  draft: Draft;
  error?: string;
  onChange: (d: Draft) => void;
  inputRef?: (el: HTMLElement | null) => void;
}) {
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [hintFor(spec) ? hintId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  const invalid = error ? true : undefined;

  let control: React.ReactNode;
  if (draft.type === 'location') {
    control = (
      <div className="bf-grid3" role="group" aria-labelledby={`${id}-label`}>
        {(['city', 'region', 'country'] as const).map((k, i) => (
          <label key={k} className="bf-sub">
            <span>{k === 'city' ? 'City' : k === 'region' ? 'Region' : 'Country'}</span>
            <input
              ref={i === 0 ? inputRef : undefined}
              className="bf-input"
              value={draft[k]}
              onChange={(e) => onChange({ ...draft, [k]: e.target.value })}
              aria-invalid={invalid}
              aria-describedby={described}
            />
          </label>
        ))}
      </div>
    );
  } else if (draft.type === 'prices') {
    control = <PriceRows id={id} rows={draft.rows} onChange={(rows) => onChange({ type: 'prices', rows })} invalid={invalid} described={described} inputRef={inputRef} />;
  } else if (spec.kind === 'strings') {
    control = (
      <textarea
        id={id}
        ref={inputRef}
        className="bf-input"
        rows={Math.min(8, Math.max(2, draft.text.split('\n').length + 1))}
        value={draft.text}
        onChange={(e) => onChange({ type: 'text', text: e.target.value })}
        aria-invalid={invalid}
        aria-describedby={described}
      />
    );
  } else {
    control = (
      <input
        id={id}
        ref={inputRef}
        className="bf-input"
        inputMode={spec.kind === 'integer' || spec.kind === 'integers' ? 'numeric' : undefined}
        type={spec.id === 'email' ? 'email' : spec.id === 'website' ? 'url' : spec.id === 'phone' ? 'tel' : 'text'}
        value={draft.text}
        onChange={(e) => onChange({ type: 'text', text: e.target.value })}
        aria-invalid={invalid}
        aria-describedby={described}
      />
    );
  }

  const grouped = draft.type !== 'text';
  return (
    <div className="bf-input-field">
      {grouped ? (
        <span id={`${id}-label`} className="bf-label">
          {spec.title}
        </span>
      ) : (
        <label htmlFor={id} id={`${id}-label`} className="bf-label">
          {spec.title}
        </label>
      )}
      {control}
      {hintFor(spec) && (
        <p id={hintId} className="field-hint">
          {hintFor(spec)}
        </p>
      )}
      {error && (
        <p id={errId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function hintFor(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'strings':
      return 'One per line.';
    case 'integers':
      return spec.id === 'follow_up_days' ? 'Days after a lead arrives, separated by commas: 1, 3, 7.' : 'Whole numbers, separated by commas.';
    case 'price_points':
      return 'Amounts as written on a price tag: 8.50.';
    default:
      return spec.id === 'phone' ? 'With the country code: +1 514 555 0100.' : '';
  }
}

function PriceRows({
  id,
  rows,
  onChange,
  invalid,
  described,
  inputRef,
}: {
  id: string;
  rows: PriceRow[];
  onChange: (rows: PriceRow[]) => void;
  invalid?: boolean;
  described?: string;
  inputRef?: (el: HTMLElement | null) => void;
}) {
  const shown = rows.length ? rows : [{ label: '', amount: '', currency: rows[0]?.currency ?? 'USD' }];
  const edit = (i: number, patch: Partial<PriceRow>) => onChange(shown.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="bf-prices" role="group" aria-labelledby={`${id}-label`}>
      {shown.map((r, i) => (
        <div key={i} className="bf-price">
          <label className="bf-sub">
            <span className={i ? 'visually-hidden' : ''}>Name</span>
            <input ref={i === 0 ? inputRef : undefined} className="bf-input" value={r.label} onChange={(e) => edit(i, { label: e.target.value })} aria-invalid={invalid} aria-describedby={described} />
          </label>
          <label className="bf-sub bf-sub--amount">
            <span className={i ? 'visually-hidden' : ''}>Price</span>
            <input className="bf-input" inputMode="decimal" value={r.amount} onChange={(e) => edit(i, { amount: e.target.value })} aria-invalid={invalid} aria-describedby={described} />
          </label>
          <label className="bf-sub bf-sub--currency">
            <span className={i ? 'visually-hidden' : ''}>Currency</span>
            <input className="bf-input" value={r.currency} maxLength={3} onChange={(e) => edit(i, { currency: e.target.value.toUpperCase() })} aria-invalid={invalid} aria-describedby={described} />
          </label>
          <button
            type="button"
            className="button button--ghost bf-price__remove"
            aria-label={`Remove ${r.label || `price ${i + 1}`}`}
            onClick={() => onChange(shown.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="button button--ghost bf-add" onClick={() => onChange([...shown, { label: '', amount: '', currency: shown[shown.length - 1]?.currency || 'USD' }])}>
        + Add a price
      </button>
    </div>
  );
}
