// Small React pieces the apps share, styled by the shell's stylesheet
// (src/styles/shell.css). Seed §6.G: skeletons for primary content, inline
// errors with a retry; toasts ($toasts) only for notices that block nothing.
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api';
import { onEvents, type EventPattern } from './live';
import { $currentOrg, $user } from './stores';

/** Skeleton lines standing in for content that is loading. */
export function Skeleton({ lines = 3, label = 'Loading' }: { lines?: number; label?: string }) {
  return (
    <div className="skeleton" role="status" aria-label={label}>
      {Array.from({ length: lines }, (_, i) => (
        <span key={i} className="skeleton__line" style={{ width: `${92 - ((i * 17) % 40)}%` }} />
      ))}
    </div>
  );
}

/** An inline error for the page's own content, with a retry. */
export function InlineError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const detail = error instanceof ApiError ? error.detail : 'Something went wrong. Please try again.';
  // What is not there (404, 410) will not be there on a second try.
  const gone = error instanceof ApiError && (error.status === 404 || error.status === 410);
  return (
    <div className="notice notice--error" role="alert">
      <p>{detail}</p>
      {onRetry && !gone && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export interface Query<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  retry: () => void;
}

/**
 * useQuery runs a load (an api call) when the component mounts and when
 * deps change, aborting the previous one; render a Skeleton while loading
 * and an InlineError with `retry` on failure.
 *
 *   const leads = useQuery((signal) => api.get('/api/v1/leads', { signal }), []);
 */
export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Query<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, loading: false }),
      (error) => !abort.signal.aborted && setState({ error, loading: false }),
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, retry };
}

/**
 * useLiveEvents calls onStale once for each burst of live events matching
 * patterns (lib/live.ts onEvents), while the component is mounted. A new
 * onStale on every render does not resubscribe: the latest one is called.
 *
 *   useLiveEvents(['xentri.workflow.failed.v1'], () => setAttempt((n) => n + 1));
 */
export function useLiveEvents(patterns: readonly EventPattern[], onStale: () => void): void {
  const latest = useRef(onStale);
  useEffect(() => {
    latest.current = onStale;
  });
  // The same patterns in a new array (a literal each render) are the same subscription.
  const key = patterns.join(' ');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => onEvents(patterns, () => latest.current()), [key]);
}

/**
 * AppPlaceholder stands in for an app that is not built yet: what it will
 * do, a skeleton of its content, and who is looking (from the shared stores).
 */
export function AppPlaceholder({ name, children }: { name: string; children: ReactNode }) {
  const user = useStore($user);
  const org = useStore($currentOrg);
  return (
    <section className="card placeholder" aria-label={`${name} (coming soon)`}>
      <p className="placeholder__lead">{children}</p>
      <Skeleton lines={4} label={`${name} is coming soon`} />
      <p className="placeholder__meta">
        {user ? `Signed in as ${user.email}` : 'Not signed in'}
        {org ? ` · ${org.name}` : ''}
      </p>
    </section>
  );
}

/**
 * StrokeIcon is a decorative 24×24 stroked icon, drawn like the frame's:
 * the paths d, or the shapes given as children.
 */
export function StrokeIcon({ d, size = 16, className, children }: { d?: string[]; size?: number; className?: string; children?: ReactNode }) {
  return (
    <svg
      className={className}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      strokeWidth="1.9"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {d?.map((p) => (
        <path key={p} d={p} />
      ))}
      {children}
    </svg>
  );
}
