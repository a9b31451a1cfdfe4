// The form of one block, generated from its type's field description
// (blocks.ts): text inputs, a Markdown textarea, links, images with the
// media picker, lists of items with add / move / remove, and checkboxes.
import { useState } from 'react';
import {
  BLOCK_SPECS,
  emptyItem,
  insertAt,
  move,
  removeAt,
  type BlockType,
  type Draft,
  type DraftObject,
  type Field,
  type PathPart,
} from './blocks';
import { MediaPicker, MediaThumb } from './media';
import { inputId } from './problems';
import { Icon, sentence, TextInput } from './ui';

export interface BlockFormProps {
  blockKey: string;
  type: BlockType;
  draft: DraftObject;
  /** Field errors by key ("headline", "items.0.title"). */
  errors: Record<string, string>;
  onChange: (path: PathPart[], value: Draft) => void;
  /** The id of a <datalist> of the site's page paths, for links. */
  pathsList?: string;
}

export function BlockForm({ blockKey, type, draft, errors, onChange, pathsList }: BlockFormProps) {
  return (
    <div className="st-block-form">
      <Fields fields={BLOCK_SPECS[type].fields} at={[]} draft={draft} ctx={{ blockKey, errors, onChange, pathsList }} />
    </div>
  );
}

interface FormCtx {
  blockKey: string;
  errors: Record<string, string>;
  onChange: (path: PathPart[], value: Draft) => void;
  pathsList?: string;
}

const keyOf = (path: PathPart[]) => path.join('.');
const str = (d: Draft | undefined) => (typeof d === 'string' ? d : '');

function Fields({ fields, at, draft, ctx }: { fields: Field[]; at: PathPart[]; draft: DraftObject; ctx: FormCtx }) {
  // A price and its currency sit side by side.
  return (
    <div className="st-fields">
      {fields.map((f) => (
        <FieldInput key={f.key} field={f} path={[...at, f.key]} draft={draft} ctx={ctx} />
      ))}
    </div>
  );
}

function FieldInput({ field: f, path, draft, ctx }: { field: Field; path: PathPart[]; draft: DraftObject; ctx: FormCtx }) {
  const key = keyOf(path);
  const id = inputId(ctx.blockKey, key);
  const error = ctx.errors[key] ? sentence(f.label, ctx.errors[key]) : undefined;
  const value = draft[f.key];
  const set = (v: Draft) => ctx.onChange(path, v);

  switch (f.kind) {
    case 'text':
      return (
        <TextInput
          id={id}
          label={f.label}
          value={str(value)}
          onChange={set}
          error={error}
          hint={f.hint}
          multiline={f.multiline}
          rows={f.multiline ? 3 : undefined}
          placeholder={f.placeholder}
          optional={!f.required}
          type={f.type}
          maxLength={f.max}
        />
      );
    case 'markdown':
      return <TextInput id={id} label={f.label} value={str(value)} onChange={set} error={error} hint={f.hint} multiline rows={10} mono maxLength={f.max} className="st-field--wide" />;
    case 'href':
      return (
        <TextInput
          id={id}
          label={f.label}
          value={str(value)}
          onChange={set}
          error={error}
          hint={f.hint}
          placeholder={f.placeholder}
          list={ctx.pathsList}
          optional={!f.required}
          mono
        />
      );
    case 'money':
      return (
        <TextInput
          id={id}
          label={f.label}
          value={str(value)}
          onChange={set}
          error={error}
          placeholder="29.00"
          className="st-field--short"
        />
      );
    case 'currency':
      return (
        <TextInput
          id={id}
          label={f.label}
          value={str(value)}
          onChange={(v) => set(v.toUpperCase().slice(0, 3))}
          error={error}
          placeholder="USD"
          className="st-field--short"
          mono
        />
      );
    case 'image-src':
      return <ImageSource id={id} label={f.label} value={str(value)} onChange={set} error={error} />;
    case 'choices': {
      const picked = Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
      return (
        <fieldset className="st-fieldset st-choices" aria-describedby={error ? `${id}-error` : undefined} id={id} tabIndex={-1}>
          <legend>{f.label}</legend>
          <div className="st-choices__row">
            {f.options.map((o) => (
              <label key={o.value} className="st-check">
                <input
                  type="checkbox"
                  checked={picked.includes(o.value)}
                  onChange={(e) => set(e.target.checked ? [...picked, o.value] : picked.filter((x) => x !== o.value))}
                />
                {o.label}
              </label>
            ))}
          </div>
          {error && (
            <p className="field-error" id={`${id}-error`}>
              {error}
            </p>
          )}
        </fieldset>
      );
    }
    case 'group': {
      const inner = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
      return (
        <fieldset className="st-fieldset st-group" id={id} tabIndex={-1}>
          <legend>
            {f.label}
            {f.optional && <span className="field-optional"> (optional)</span>}
          </legend>
          {f.hint && <p className="field-hint">{f.hint}</p>}
          {error && <p className="field-error">{error}</p>}
          <Fields fields={f.fields} at={path} draft={inner} ctx={ctx} />
        </fieldset>
      );
    }
    case 'list':
      return <ListField field={f} path={path} value={value} error={error} id={id} ctx={ctx} />;
  }
}

function ListField({
  field: f,
  path,
  value,
  error,
  id,
  ctx,
}: {
  field: Extract<Field, { kind: 'list' }>;
  path: PathPart[];
  value: Draft | undefined;
  error?: string;
  id: string;
  ctx: FormCtx;
}) {
  const items = Array.isArray(value) ? value.filter((x): x is DraftObject => typeof x === 'object') : [];
  const set = (next: DraftObject[]) => ctx.onChange(path, next);
  const add = () => {
    const item = emptyItem(f);
    // A new price takes the currency of the one before.
    const last = items[items.length - 1];
    if (last && 'currency' in item && typeof last.currency === 'string') item.currency = last.currency;
    set(insertAt(items, items.length, item));
    requestAnimationFrame(() => document.getElementById(inputId(ctx.blockKey, `${keyOf(path)}.${items.length}.${f.fields[0]?.key ?? ''}`))?.focus());
  };
  const moveItem = (i: number, d: number) => {
    set(move(items, i, d));
    const to = i + d;
    const dir = (d < 0 && to > 0) || (d > 0 && to >= items.length - 1) ? 'up' : 'down';
    requestAnimationFrame(() => document.getElementById(`${id}-${to}-${dir}`)?.focus());
  };
  return (
    <fieldset className="st-fieldset st-list" id={id} tabIndex={-1}>
      <legend>{f.label}</legend>
      {error && <p className="field-error">{error}</p>}
      <ol className="st-list__items">
        {items.map((it, i) => (
          <li key={i} className="st-list__item">
            <div className="st-list__item-head">
              <span className="st-list__item-name">
                {f.itemName} {i + 1}
              </span>
              <div className="st-list__item-actions">
                <button
                  type="button"
                  id={`${id}-${i}-up`}
                  className="button button--ghost st-icon-button"
                  onClick={() => moveItem(i, -1)}
                  disabled={i === 0}
                  aria-label={`Move ${f.itemName.toLowerCase()} ${i + 1} up`}
                >
                  <Icon name="up" />
                </button>
                <button
                  type="button"
                  id={`${id}-${i}-down`}
                  className="button button--ghost st-icon-button"
                  onClick={() => moveItem(i, 1)}
                  disabled={i === items.length - 1}
                  aria-label={`Move ${f.itemName.toLowerCase()} ${i + 1} down`}
                >
                  <Icon name="down" />
                </button>
                <button
                  type="button"
                  className="button button--ghost st-icon-button"
                  onClick={() => set(removeAt(items, i))}
                  disabled={items.length <= f.min}
                  aria-label={`Remove ${f.itemName.toLowerCase()} ${i + 1}`}
                >
                  <Icon name="trash" />
                </button>
              </div>
            </div>
            <Fields fields={f.fields} at={[...path, i]} draft={it} ctx={ctx} />
          </li>
        ))}
      </ol>
      <button type="button" className="button st-list__add" onClick={add} disabled={items.length >= f.max}>
        <Icon name="plus" />
        Add {f.itemName.toLowerCase()}
      </button>
    </fieldset>
  );
}

function ImageSource({ id, label, value, onChange, error }: { id: string; label: string; value: string; onChange: (v: string) => void; error?: string }) {
  const [picking, setPicking] = useState(false);
  return (
    <div className="field st-field st-image-field">
      <label htmlFor={id}>{label}</label>
      <div className="st-image-field__row">
        <MediaThumb src={value} />
        <input
          id={id}
          className="st-mono"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder="/media/… or https://…"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        <button type="button" className="button" onClick={() => setPicking(true)}>
          <Icon name="image" />
          {value ? 'Change' : 'Choose image'}
        </button>
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <MediaPicker
        open={picking}
        onClose={() => setPicking(false)}
        onPick={(asset) => {
          onChange(`/media/${asset.id}`);
          setPicking(false);
          requestAnimationFrame(() => document.getElementById(id)?.focus());
        }}
      />
    </div>
  );
}
