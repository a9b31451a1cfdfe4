// useBoard: the board's state (model.ts) wired to the API and the live
// stream. Loads the summary and the five columns for the filters, pages a
// column on "Load more", moves cards optimistically, and refetches what an
// event names (no polling).
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { ApiError } from '../../lib/api';
import { onEvent } from '../../lib/live';
import * as data from './data';
import { debounce } from './filters';
import { emptyBoard, reduce, STATUS_LABEL, STATUSES, type Board, type Filters, type Lead, type LeadStatus } from './model';

export interface Notice {
  tone: 'error' | 'warning' | 'success';
  message: string;
}

export interface BoardApi {
  board: Board;
  loadMore(status: LeadStatus): void;
  retryColumn(status: LeadStatus): void;
  reload(): void;
  move(id: string, to: LeadStatus, extra?: { lostReason?: string; note?: string }): Promise<boolean>;
  /** A lead changed here (the drawer, the new-lead form): put it on the board. */
  changed(lead: Lead): void;
}

export interface BoardEvents {
  /** Say something to screen readers (aria-live). */
  announce(message: string): void;
  notice(n: Notice | null): void;
}

const SUMMARY_DELAY = 250;
/** Events are read together when they come this close. */
const EVENT_DELAY = 100;
/** More leads than this in one burst: reload the board. */
const BURST = 12;

export function useBoard(filters: Filters, signal: AbortSignal, ev: BoardEvents): BoardApi {
  const [board, dispatch] = useReducer(reduce, undefined, emptyBoard);
  const ref = useRef(board);
  ref.current = board;
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const evRef = useRef(ev);
  evRef.current = ev;
  const [generation, bump] = useReducer((n: number) => n + 1, 0);
  const loads = useRef(new Map<LeadStatus, AbortController>());

  const loadColumn = useCallback(
    async (status: LeadStatus, more: boolean, outer?: AbortSignal) => {
      loads.current.get(status)?.abort();
      const abort = new AbortController();
      loads.current.set(status, abort);
      const stop = () => abort.abort();
      outer?.addEventListener('abort', stop);
      signal.addEventListener('abort', stop);
      const cursor = more ? ref.current.columns[status].cursor : null;
      dispatch({ type: 'column/loading', status, more });
      try {
        const page = await data.listColumn(status, filtersRef.current, cursor, abort.signal);
        if (!abort.signal.aborted) dispatch({ type: 'column/loaded', status, leads: page.leads, cursor: page.cursor, more });
      } catch (error) {
        if (!abort.signal.aborted) dispatch({ type: 'column/failed', status, error });
      } finally {
        outer?.removeEventListener('abort', stop);
        signal.removeEventListener('abort', stop);
        if (loads.current.get(status) === abort) loads.current.delete(status);
      }
    },
    [signal],
  );

  const summaryAbort = useRef<AbortController | null>(null);
  const loadSummary = useCallback(async () => {
    summaryAbort.current?.abort();
    const abort = new AbortController();
    summaryAbort.current = abort;
    const stop = () => abort.abort();
    signal.addEventListener('abort', stop);
    try {
      const columns = await data.summary(filtersRef.current, abort.signal);
      if (!abort.signal.aborted) dispatch({ type: 'summary/loaded', columns });
    } catch (error) {
      if (!abort.signal.aborted) dispatch({ type: 'summary/failed', error });
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }, [signal]);

  // The summary again, once a burst of events or moves has settled.
  const refreshSummary = useMemo(() => debounce(() => void loadSummary(), SUMMARY_DELAY), [loadSummary]);
  useEffect(() => () => refreshSummary.cancel(), [refreshSummary]);

  // The filters changed (or a reload): everything, afresh.
  useEffect(() => {
    const abort = new AbortController();
    void loadSummary();
    for (const s of STATUSES) void loadColumn(s, false, abort.signal);
    return () => {
      abort.abort();
      summaryAbort.current?.abort();
    };
  }, [filters.q, filters.source, generation, loadColumn, loadSummary]);

  /** refreshLead reads one lead again and puts it where it now belongs. */
  const refreshLead = useCallback(
    async (id: string) => {
      try {
        const lead = await data.getLead(id, signal);
        dispatch({ type: 'lead/upsert', lead, filters: filtersRef.current });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) dispatch({ type: 'lead/remove', id });
      }
    },
    [signal],
  );

  // Live: what the events name, nothing more. A burst (an import) reloads
  // the board once instead of reading every lead.
  const named = useRef(new Set<string>());
  const readNamed = useMemo(
    () =>
      debounce(() => {
        const leads = [...named.current];
        named.current.clear();
        if (leads.length > BURST) {
          refreshSummary.cancel(); // the reload reads it
          bump();
        } else for (const id of leads) if (!ref.current.pending[id]) void refreshLead(id);
      }, EVENT_DELAY),
    [refreshLead, refreshSummary],
  );
  useEffect(() => {
    const note = (id: string) => {
      named.current.add(id);
      readNamed();
      refreshSummary();
    };
    const offCreated = onEvent('xentri.lead.created.v1', (e) => note(e.payload.lead_id));
    const offUpdated = onEvent('xentri.lead.updated.v1', (e) => note(e.payload.lead_id));
    return () => {
      offCreated();
      offUpdated();
      readNamed.cancel();
    };
  }, [readNamed, refreshSummary]);

  const move = useCallback(
    async (id: string, to: LeadStatus, extra: { lostReason?: string; note?: string } = {}): Promise<boolean> => {
      const b = ref.current;
      const card = b.cards[id];
      if (!card || card.status === to || b.pending[id]) return false;
      const from = card.status;
      const name = card.name;
      dispatch({ type: 'move/start', id, to, lostReason: extra.lostReason });
      evRef.current.announce(`Moved ${name} to ${STATUS_LABEL[to]}.`);
      try {
        const lead = await data.setStatus(id, { status: to, version: card.version, note: extra.note, lostReason: extra.lostReason });
        dispatch({ type: 'move/done', id, lead });
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        dispatch({ type: 'move/failed', id });
        let message: string;
        if (err instanceof ApiError && err.status === 412) {
          message = `Someone else changed ${name} a moment ago, so it stays in ${STATUS_LABEL[from]} for now. The board shows their change: move it again if it still makes sense.`;
          void refreshLead(id);
        } else if (err instanceof ApiError && err.status === 404) {
          message = `${name} is no longer here: someone removed it.`;
          dispatch({ type: 'lead/remove', id });
        } else {
          const detail = err instanceof ApiError ? err.detail : 'Something went wrong.';
          message = `${name} could not move to ${STATUS_LABEL[to]}, so it is back in ${STATUS_LABEL[from]}. ${detail}`;
        }
        evRef.current.notice({ tone: 'error', message });
        evRef.current.announce(message);
        return false;
      } finally {
        refreshSummary();
      }
    },
    [signal, refreshLead, refreshSummary],
  );

  const changed = useCallback(
    (lead: Lead) => {
      dispatch({ type: 'lead/upsert', lead, filters: filtersRef.current });
      refreshSummary();
    },
    [refreshSummary],
  );

  return useMemo(
    () => ({
      board,
      loadMore: (s: LeadStatus) => void loadColumn(s, true),
      retryColumn: (s: LeadStatus) => void loadColumn(s, false),
      reload: bump,
      move,
      changed,
    }),
    [board, loadColumn, move, changed],
  );
}
