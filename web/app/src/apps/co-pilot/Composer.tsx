// The message box: Enter sends, Shift+Enter is a new line; it waits while
// a turn is in flight; a toggle makes the message a pasted voice note
// transcript.
import { useId, useLayoutEffect, useRef, type FormEvent, type KeyboardEvent } from 'react';
import type { MessageKind } from './conversation';

export function Composer({
  value,
  onChange,
  kind,
  onKind,
  onSend,
  busy,
  blocked,
  question,
}: {
  value: string;
  onChange: (v: string) => void;
  kind: MessageKind;
  onKind: (k: MessageKind) => void;
  onSend: () => void;
  /** A turn is in flight. */
  busy: boolean;
  /** Why the owner cannot send now (a failed message to settle first), if so. */
  blocked?: string;
  question: string;
}) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const disabled = busy || !!blocked;
  const voice = kind === 'voice_transcript';

  // Grow with the text, up to the CSS max-height.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [value, voice]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (disabled || !value.trim()) return;
    onSend();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const placeholder = blocked
    ? blocked
    : voice
      ? 'Paste the transcript of your voice note…'
      : question
        ? `Answer in your own words…`
        : 'Tell the co-pilot about your business…';

  return (
    <form className="cp-composer" onSubmit={submit} aria-busy={busy || undefined}>
      <label htmlFor={`${id}-text`} className="visually-hidden">
        {voice ? 'Voice note transcript' : 'Your message to the co-pilot'}
      </label>
      <textarea
        id={`${id}-text`}
        ref={area}
        className={`cp-input${voice ? ' cp-input--voice' : ''}`}
        rows={voice ? 4 : 1}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        readOnly={disabled}
        aria-disabled={disabled || undefined}
        aria-describedby={`${id}-hint`}
        maxLength={8192}
      />
      <div className="cp-composer__bar">
        <label className="cp-switch">
          <input type="checkbox" role="switch" checked={voice} onChange={(e) => onKind(e.target.checked ? 'voice_transcript' : 'text')} />
          <span className="cp-switch__track" aria-hidden="true" />
          Paste a voice note transcript
        </label>
        <span id={`${id}-hint`} className="cp-hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
        <button type="submit" className="button button--primary" disabled={disabled || !value.trim()}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
