// Small pieces the settings sections share.
import { useCallback, useEffect, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { ApiError } from '../../lib/api';
import { StrokeIcon as Icon } from '../../lib/ui';

export interface Loaded<T> {
  data: T | undefined;
  /** Change the loaded data in place (after an action), without a reload. */
  setData: Dispatch<SetStateAction<T | undefined>>;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * useLoaded is lib/ui's useQuery for data the screen then changes: it loads
 * on mount, when deps change and on reload() (keeping the data on screen
 * meanwhile), aborting the previous load.
 */
export function useLoaded<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(undefined);
    load(abort.signal).then(
      (d) => {
        if (abort.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e) => {
        if (abort.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { data, setData, error, loading, reload };
}

/** An inline confirmation: the question, a destructive action and a way back (focused, Escape). */
export function Confirm(props: { question: ReactNode; action: string; busy?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="set__confirm" role="group" aria-label="Confirm" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <p>{props.question}</p>
      <div className="set__row-actions">
        <button type="button" className="button set__danger-solid" onClick={props.onConfirm} disabled={props.busy}>
          {props.action}
        </button>
        <button ref={ref} type="button" className="button button--ghost" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/**
 * A secret shown once: read-only, selected on focus, with a copy button and
 * a warning that it will not be shown again.
 */
export function SecretOnce(props: { label: string; secret: string; copied: boolean; onCopied: () => void; children?: ReactNode }) {
  const input = useRef<HTMLInputElement>(null);
  const [manual, setManual] = useState(false);
  useEffect(() => input.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      props.onCopied();
    } catch {
      input.current?.select();
      setManual(true); // no clipboard access: the text is selected for Ctrl+C
    }
  };
  return (
    <div className="set__secret">
      <p className="set__secret-warning">
        <Icon d={['M12 9v4', 'M12 17h.01', 'M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z']} />
        <span>Copy it now and keep it somewhere safe: it will not be shown again.</span>
      </p>
      <label className="set__label" htmlFor="set-secret">
        {props.label}
      </label>
      <div className="set__secret-row">
        <input
          ref={input}
          id="set-secret"
          className="set__input set__mono"
          readOnly
          value={props.secret}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" className="button" onClick={copy}>
          <Icon d={props.copied ? ['M20 6L9 17l-5-5'] : ['M9 9h11v11H9z', 'M5 15H4V4h11v1']} />
          {props.copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="set__hint" role="status" aria-live="polite">
        {props.copied ? 'Copied to the clipboard.' : manual ? 'Copying is blocked here: the secret is selected, press Ctrl+C (⌘C).' : ''}
      </p>
      {props.children}
    </div>
  );
}

/** Denied explains an action or a section that needs an owner or an admin. */
export function Denied({ what }: { what: string }) {
  return (
    <div className="notice set__denied">
      <p>
        Only owners and admins can {what}. Ask one of them if something here needs to change.
      </p>
    </div>
  );
}

/** problemText says a failed action to the user. */
export function problemText(e: unknown, what: string): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `${e.detail || `You may not ${what}.`}`;
    return `We couldn’t ${what}. ${e.detail}`;
  }
  return `We couldn’t ${what}. Please try again.`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? '' : t.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** The settings' icons are the shell's stroked ones. */
export { Icon };
