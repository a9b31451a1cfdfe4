/// <reference types="vite/client" />
// The notifications app (/notifications, /notifications?unread=true): what
// happened while the owner was away, newest first; mark one or all read; a
// notification about a lead links to it. It loads on mount, on Refresh and
// after a burst of live events that add notifications (./live.ts). The
// unread count (the bell's badge) is exported from ./unread.ts and
// ./use-unread-count.ts.
import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../lib/api';
import { reactApp, type AppProps } from '../../lib/react-app';
import { InlineError, Skeleton, StrokeIcon } from '../../lib/ui';
import { useLiveNotifications } from './live';
import {
  ago,
  apiPages,
  groupByDay,
  initialState,
  kindLabel,
  loadPages,
  reducer,
  subjectHref,
  unreadIn,
  type Notice,
} from './model';
import stylesheet from './notifications.css?url';
import { adjustUnreadCount, refreshUnreadCount, setUnreadCount } from './unread';


export { $unreadCount, fetchUnreadCount, refreshUnreadCount } from './unread';
export { useUnreadCount } from './use-unread-count';

function NotificationsApp({ ctx }: AppProps) {
  const unreadOnly = ctx.search.get('unread') === 'true';
  const [state, dispatch] = useReducer(reducer, initialState);
  const [status, setStatus] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);
  const [markingAll, setMarkingAll] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const abortRef = useRef<AbortController | null>(null);

  // Load the whole list (newest first) on mount, on a filter change and on Refresh.
  useEffect(() => {
    const abort = new AbortController();
    abortRef.current = abort;
    const signal = abort.signal; // aborted on unmount too (the effect's cleanup)
    dispatch({ type: 'load' });
    loadPages(apiPages(unreadOnly, signal)).then(
      (page) => {
        if (signal.aborted) return;
        dispatch({ type: 'loaded', page });
        if (page.more) void refreshUnreadCount(signal);
        else if (!unreadOnly) setUnreadCount(unreadIn(page.items));
        else setUnreadCount(page.items.length);
        setStatus(page.items.length ? '' : unreadOnly ? 'No unread notifications.' : 'No notifications yet.');
      },
      (error) => !signal.aborted && dispatch({ type: 'failed', error }),
    );
    return () => abort.abort();
  }, [unreadOnly, attempt]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  useLiveNotifications(refresh);

  const loadNewer = async () => {
    const signal = abortRef.current?.signal ?? ctx.signal;
    try {
      const page = await loadPages(apiPages(unreadOnly, signal), state.cursor);
      if (!signal.aborted) dispatch({ type: 'loaded', page, append: true });
    } catch (error) {
      if (!signal.aborted) setActionError(describe(error, 'load the newer notifications'));
    }
  };

  const setFilter = (unread: boolean) => ctx.navigate(unread ? `${ctx.base}?unread=true` : ctx.base, { replace: true });

  const readOne = async (n: Notice, quiet = false) => {
    if (n.readAt) return;
    setActionError(null);
    dispatch({ type: 'read', id: n.id, at: new Date().toISOString() });
    adjustUnreadCount(-1);
    try {
      await api.post('/api/v1/notifications/{notificationID}/read', { path: { notificationID: n.id } });
      if (!quiet) setStatus(`Marked “${n.title}” read.`);
    } catch (error) {
      dispatch({ type: 'unread', id: n.id });
      adjustUnreadCount(1);
      if (!quiet) setActionError(describe(error, 'mark it read'));
    }
  };

  const readAll = async () => {
    const before = state.items;
    setActionError(null);
    setMarkingAll(true);
    dispatch({ type: 'allRead', at: new Date().toISOString() });
    try {
      const { data } = await api.post('/api/v1/notifications/read', { body: {} });
      setUnreadCount(0);
      const k = data?.marked ?? 0;
      setStatus(k === 1 ? 'Marked 1 notification read.' : `Marked ${k} notifications read.`);
    } catch (error) {
      dispatch({ type: 'restore', items: before });
      setActionError(describe(error, 'mark them read'));
    } finally {
      setMarkingAll(false);
    }
  };

  const unread = unreadIn(state.items);
  const first = state.phase === 'loading' && state.items.length === 0;

  return (
    <section className="ntf" aria-labelledby="ntf-heading">
      <h2 id="ntf-heading" className="visually-hidden">
        {unreadOnly ? 'Unread notifications' : 'All notifications'}
      </h2>
      <div className="ntf__toolbar">
        <div className="ntf__filter" role="group" aria-label="Show">
          <button type="button" className="ntf__seg" aria-pressed={!unreadOnly} onClick={() => setFilter(false)}>
            All
          </button>
          <button type="button" className="ntf__seg" aria-pressed={unreadOnly} onClick={() => setFilter(true)}>
            Unread only
          </button>
        </div>
        <div className="ntf__actions">
          {state.phase === 'ready' && (
            <span className="ntf__count">{unread === 0 ? 'All caught up' : `${unread} unread`}</span>
          )}
          <button
            type="button"
            className="button button--ghost"
            onClick={refresh}
            disabled={state.phase === 'loading'}
            aria-label="Refresh notifications"
          >
            <RefreshIcon spinning={state.phase === 'loading' && !first} />
            <span className="ntf__hide-narrow">Refresh</span>
          </button>
          <button type="button" className="button" onClick={readAll} disabled={unread === 0 || markingAll}>
            <CheckIcon />
            {markingAll ? 'Marking…' : 'Mark all read'}
          </button>
        </div>
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">
        {state.phase === 'loading' && !first ? 'Refreshing notifications…' : status}
      </p>
      {actionError && (
        <div className="notice notice--error" role="alert">
          <p>{actionError}</p>
          <button type="button" className="button button--ghost" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </div>
      )}

      {first ? (
        <div className="card ntf__card">
          <Skeleton lines={5} label="Loading notifications" />
        </div>
      ) : state.phase === 'error' && state.items.length === 0 ? (
        <InlineError error={state.error} onRetry={refresh} />
      ) : (
        <>
          {state.phase === 'error' && <InlineError error={state.error} onRetry={refresh} />}
          {state.more && (
            <div className="notice">
              <p>There are more notifications than one load reads; the newest are not shown yet.</p>
              <button type="button" className="button" onClick={loadNewer}>
                Load newer
              </button>
            </div>
          )}
          {state.items.length === 0 ? (
            <Empty unreadOnly={unreadOnly} onShowAll={() => setFilter(false)} />
          ) : (
            <NoticeList items={state.items} onRead={readOne} />
          )}
        </>
      )}
    </section>
  );
}

function NoticeList({ items, onRead }: { items: Notice[]; onRead: (n: Notice, quiet?: boolean) => void }) {
  const now = new Date();
  return (
    <div className="card ntf__card">
      {groupByDay(items, now).map(({ group, items }) => (
        <section key={group} className="ntf__group" aria-label={group}>
          <h3 className="ntf__day">{group}</h3>
          <ul className="ntf__list">
            {items.map((n) => (
              <Row key={n.id} n={n} now={now} onRead={onRead} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Row({ n, now, onRead }: { n: Notice; now: Date; onRead: (n: Notice, quiet?: boolean) => void }) {
  const href = subjectHref(n);
  const unread = !n.readAt;
  const when = new Date(n.createdAt);
  return (
    <li className={`ntf__item${unread ? ' ntf__item--unread' : ''}`}>
      <span className={`ntf__icon ntf__icon--${n.kind}`} aria-hidden="true">
        {n.kind === 'high_value_lead' ? <StarIcon /> : <ClockIcon />}
      </span>
      <div className="ntf__body">
        <p className="ntf__title">
          {unread && <span className="visually-hidden">Unread: </span>}
          {href ? (
            <a href={href} onClick={() => onRead(n, true)}>
              {n.title}
            </a>
          ) : (
            n.title
          )}
        </p>
        <p className="ntf__meta">
          <span>{kindLabel[n.kind]}</span>
          <span aria-hidden="true"> · </span>
          <time dateTime={n.createdAt} title={Number.isNaN(when.getTime()) ? undefined : when.toLocaleString()}>
            {ago(n.createdAt, now)}
          </time>
        </p>
      </div>
      {unread && (
        <div className="ntf__end">
          <span className="ntf__dot" aria-hidden="true" />
          <button type="button" className="button button--ghost ntf__read" onClick={() => onRead(n)}>
            Mark read<span className="visually-hidden">: {n.title}</span>
          </button>
        </div>
      )}
    </li>
  );
}

function Empty({ unreadOnly, onShowAll }: { unreadOnly: boolean; onShowAll: () => void }) {
  return (
    <div className="card ntf__empty">
      <span className="ntf__empty-icon" aria-hidden="true">
        <CheckIcon size={22} />
      </span>
      <p className="ntf__empty-title">{unreadOnly ? 'You’re all caught up' : 'No notifications yet'}</p>
      <p className="ntf__empty-text">
        {unreadOnly
          ? 'Everything has been read.'
          : 'Xentri tells you here when a follow-up falls due or a high-value lead comes in.'}
      </p>
      {unreadOnly && (
        <button type="button" className="button" onClick={onShowAll}>
          Show all notifications
        </button>
      )}
    </div>
  );
}

function describe(error: unknown, what: string): string {
  const detail = error instanceof ApiError ? error.detail : 'Something went wrong.';
  return `We couldn’t ${what}. ${detail}`;
}

// --- Icons (decorative, 24x24 strokes like the frame's) ----------------------

const ClockIcon = () => (
  <StrokeIcon>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </StrokeIcon>
);
const StarIcon = () => (
  <StrokeIcon>
    <path d="M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z" />
  </StrokeIcon>
);
const CheckIcon = ({ size }: { size?: number }) => (
  <StrokeIcon size={size}>
    <path d="M20 6L9 17l-5-5" />
  </StrokeIcon>
);
const RefreshIcon = ({ spinning }: { spinning?: boolean }) => (
  <StrokeIcon className={spinning ? 'ntf__spin' : undefined}>
    <path d="M21 12a9 9 0 1 1-2.64-6.36" />
    <path d="M21 3v6h-6" />
  </StrokeIcon>
);

export const { mount, update, unmount } = reactApp(NotificationsApp, { stylesheet });
