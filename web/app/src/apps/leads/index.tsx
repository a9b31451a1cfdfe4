// The leads app (/leads): the pipeline as a board by status, live, with
// search and filters, a new-lead form, and the lead drawer (/leads/{id}).
// The router imports this module on the first hover, focus or visit of its
// sidebar item and calls mount(el, ctx); see web/README.md.
import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { $liveStatus } from '../../lib/live';
import { reactApp, type AppProps } from '../../lib/react-app';
import { pushToast } from '../../lib/stores';
import { BoardView } from './board';
import { LostDialog, NewLeadDialog } from './dialogs';
import { LeadDrawer } from './drawer';
import { useDebounced } from './filters';
import { defaultCurrency, formatValues } from './format';
import { STATUSES, matchesFilters, toCard, type Filters, type Lead, type LeadStatus } from './model';
import { useBoard, type Notice } from './use-board';
import stylesheet from './leads.css?url';

/** The search waits for a pause in typing. */
export const SEARCH_DELAY = 300;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The lead a path under /leads names ("/{id}"), or null for the board. */
export function leadOf(path: string): string | null {
  const id = path.replace(/^\/+|\/+$/g, '');
  return id && !id.includes('/') ? id : null;
}

function LeadsApp({ ctx }: AppProps) {
  const leadId = leadOf(ctx.path);
  const [text, setText] = useState(() => ctx.search.get('q') ?? '');
  const [source, setSource] = useState(() => ctx.search.get('source') ?? '');
  const q = useDebounced(text, SEARCH_DELAY);
  const filters: Filters = useMemo(() => ({ q, source }), [q, source]);

  const [said, setSaid] = useState('');
  const announce = useCallback((m: string) => {
    // The same words twice are still news: clear, then say.
    setSaid('');
    setTimeout(() => setSaid(m), 30);
  }, []);
  const [notice, setNotice] = useState<Notice | null>(null);
  const b = useBoard(filters, ctx.signal, { announce, notice: setNotice });
  const { board } = b;

  const [creating, setCreating] = useState(false);
  const [losing, setLosing] = useState<string | null>(null);
  const [focusRequest, setFocusRequest] = useState<{ id: string; n: number } | null>(null);
  const focusN = useRef(0);
  const focusCard = (id: string) => setFocusRequest({ id, n: ++focusN.current });

  // Keep the filters in the address (shareable, kept on refresh).
  const navigate = ctx.navigate;
  const pathRef = useRef(ctx.path);
  pathRef.current = ctx.path;
  useEffect(() => {
    const p = new URLSearchParams();
    if (q.trim()) p.set('q', q.trim());
    if (source) p.set('source', source);
    const s = p.toString();
    const want = `/leads${pathRef.current}${s ? `?${s}` : ''}`;
    if (typeof location !== 'undefined' && location.pathname + location.search !== want) navigate(want, { replace: true });
  }, [q, source, navigate]);
  const query = () => {
    const s = new URLSearchParams({ ...(q.trim() ? { q: q.trim() } : {}), ...(source ? { source } : {}) }).toString();
    return s ? `?${s}` : '';
  };

  const requestMove = (id: string, to: LeadStatus) => {
    if (to === 'lost') setLosing(id);
    else void b.move(id, to);
  };

  const total = board.summary ? STATUSES.reduce((n, s) => n + board.summary![s].leads, 0) : null;
  const open = board.summary ? (['new', 'contacted', 'qualified'] as const).flatMap((s) => board.summary![s].value) : [];
  const openValue = formatValues(mergeValues(open), { compact: true });
  const filtered = !!(q.trim() || source);
  const live = useStore($liveStatus);
  const losingCard = losing ? board.cards[losing] : null;

  return (
    <div className="leads">
      <div className="leads-toolbar">
        <SearchBox value={text} onChange={setText} />
        <label className="leads-source">
          <span className="visually-hidden">Source</span>
          <select className="select" value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">All sources</option>
            {board.sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button
            type="button"
            className="button button--ghost"
            onClick={() => {
              setText('');
              setSource('');
            }}
          >
            Clear filters
          </button>
        )}
        <span className="leads-toolbar__spacer" />
        {total !== null && (
          <p className="leads-total">
            {total === 1 ? '1 lead' : `${total} leads`}
            {openValue && <span title="The value of the leads in New, Contacted and Qualified"> · Open {openValue}</span>}
          </p>
        )}
        <LiveBadge status={live} onRefresh={b.reload} />
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false">
            <path d="M7 2v10M2 7h10" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          New lead
        </button>
      </div>

      {notice && (
        <div className={`notice leads-notice leads-notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
          <p>{notice.message}</p>
          <button type="button" className="button button--ghost" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {board.summaryError !== undefined && !notice && (
        <div className="notice" role="status">
          <p>The totals could not be loaded; the cards are up to date.</p>
          <button type="button" className="button button--ghost" onClick={b.reload}>
            Try again
          </button>
        </div>
      )}
      {total === 0 && !filtered && (
        <div className="leads-empty">
          <p className="leads-empty__title">Your pipeline starts here</p>
          <p className="leads-muted">
            Enquiries from your website's contact form land in New on their own. Add the ones you hear about elsewhere, then drag them along as they move.
          </p>
          <button type="button" className="button" onClick={() => setCreating(true)}>
            Add your first lead
          </button>
        </div>
      )}
      {total === 0 && filtered && (
        <div className="leads-empty">
          <p className="leads-empty__title">No leads match{q.trim() ? ` “${q.trim()}”` : ''}{source ? ` from ${source}` : ''}</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setText('');
              setSource('');
            }}
          >
            Clear filters
          </button>
        </div>
      )}

      <BoardView
        board={board}
        focusRequest={focusRequest}
        onMove={requestMove}
        onLoadMore={b.loadMore}
        onRetry={b.retryColumn}
        announce={announce}
        search={query()}
      />

      <p className="visually-hidden" aria-live="polite" role="status">
        {said}
      </p>

      {creating && (
        <NewLeadDialog
          sources={board.sources}
          currency={defaultCurrency(open)}
          onClose={() => setCreating(false)}
          onCreated={(lead: Lead) => {
            setCreating(false);
            b.changed(lead);
            const card = toCard(lead);
            if (card && matchesFilters(card, filters)) {
              pushToast(`${lead.name} added to New.`, { tone: 'success' });
              focusCard(card.id);
            } else {
              pushToast(`${lead.name} added. Your filters hide it.`, { tone: 'success' });
            }
          }}
        />
      )}
      {losingCard && (
        <LostDialog
          name={losingCard.name}
          onCancel={() => {
            const id = losingCard.id;
            setLosing(null);
            focusCard(id);
          }}
          onConfirm={(reason, note) => {
            const id = losingCard.id;
            setLosing(null);
            focusCard(id);
            void b.move(id, 'lost', { lostReason: reason, note });
          }}
        />
      )}
      {leadId && (
        <LeadDrawer
          key={leadId}
          id={UUID.test(leadId) ? leadId : '00000000-0000-0000-0000-000000000000'}
          sources={board.sources}
          announce={announce}
          onChanged={b.changed}
          onClose={() => {
            ctx.navigate(`/leads${query()}`);
            if (board.cards[leadId]) focusCard(leadId);
          }}
        />
      )}
    </div>
  );
}

/** The sum of values by currency. */
function mergeValues(values: { currency: string; amount: number }[]) {
  const by = new Map<string, number>();
  for (const v of values) by.set(v.currency, (by.get(v.currency) ?? 0) + v.amount);
  return [...by].map(([currency, amount]) => ({ currency, amount }));
}

function SearchBox({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <div className="leads-search">
      <label htmlFor={id} className="visually-hidden">
        Search leads
      </label>
      <svg className="leads-search__icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="7" cy="7" r="4.75" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      <input
        id={id}
        type="search"
        className="leads-input leads-search__input"
        placeholder="Search name, e-mail or company"
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && value) {
            e.preventDefault();
            onChange('');
          }
        }}
      />
    </div>
  );
}

function LiveBadge({ status, onRefresh }: { status: string; onRefresh: () => void }) {
  if (status === 'open') {
    return (
      <span className="leads-live is-open" title="Changes by others show up as they happen">
        <span className="leads-live__dot" aria-hidden="true" />
        Live
      </span>
    );
  }
  if (status === 'connecting' || status === 'reconnecting') {
    return (
      <span className="leads-live" title="Connecting to live updates">
        <span className="leads-live__dot" aria-hidden="true" />
        Connecting…
      </span>
    );
  }
  return (
    <button type="button" className="leads-live is-off" onClick={onRefresh} title="Live updates are off: refresh to see the latest">
      <span className="leads-live__dot" aria-hidden="true" />
      Refresh
    </button>
  );
}

export const { mount, update, unmount } = reactApp(LeadsApp, { stylesheet });
