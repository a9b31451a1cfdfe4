// The board: five columns by status, each with its count and value, its
// cards and "Load more". Cards move by drag and drop, by Shift+←/→ and by
// their "Move to…" menu; the arrow keys move the focus (keys.ts), one card
// at a time in the tab order (a roving tabindex).
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { InlineError } from '../../lib/ui';
import { formatAge, formatCount, formatDateTime, formatMoney, formatRelative, formatValues } from './format';
import { find, firstCard, intentOf, neighbour, nextFocus } from './keys';
import { columnCount, grid, STATUS_LABEL, STATUSES, type Board, type Card, type LeadStatus } from './model';

export interface BoardViewProps {
  board: Board;
  /** The card to put the focus on (after the drawer closes), with a counter to ask again. */
  focusRequest: { id: string; n: number } | null;
  onMove: (id: string, to: LeadStatus) => void;
  onLoadMore: (status: LeadStatus) => void;
  onRetry: (status: LeadStatus) => void;
  announce: (message: string) => void;
  /** The board's query string ("?q=ada"), kept in the cards' links. */
  search?: string;
}

const HELP_ID = 'leads-board-keys';

export function BoardView({ board, focusRequest, onMove, onLoadMore, onRetry, announce, search = '' }: BoardViewProps) {
  const root = useRef<HTMLDivElement>(null);
  const g = grid(board);
  const [active, setActive] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<LeadStatus | null>(null);
  const wantFocus = useRef<string | null>(null);
  const focused = useRef<string | null>(null); // the card the keyboard is on

  const current = active && find(g, active) ? active : firstCard(g);

  const focusCard = useCallback((id: string) => {
    setActive(id);
    wantFocus.current = id;
  }, []);

  useEffect(() => {
    if (focusRequest) focusCard(focusRequest.id);
  }, [focusRequest, focusCard]);

  // Put the focus where it was asked for, or back on the card the keyboard
  // was on when a move re-rendered it in another column.
  useLayoutEffect(() => {
    const doc = root.current?.ownerDocument;
    if (!doc) return;
    let id = wantFocus.current;
    if (!id && focused.current && (doc.activeElement === doc.body || !doc.activeElement)) id = focused.current;
    if (!id) return;
    const el = root.current?.querySelector<HTMLElement>(`[data-card-link="${id}"]`);
    if (el) {
      wantFocus.current = null;
      if (doc.activeElement !== el) el.focus();
    }
  });

  // A pointer elsewhere means the keyboard left the board.
  useEffect(() => {
    const doc = root.current?.ownerDocument;
    if (!doc) return;
    const down = (e: PointerEvent) => {
      if (!(e.target as Element | null)?.closest?.('.lead-card')) focused.current = null;
    };
    doc.addEventListener('pointerdown', down, true);
    return () => doc.removeEventListener('pointerdown', down, true);
  }, []);

  const onCardKey = (e: KeyboardEvent<HTMLElement>, card: Card) => {
    if ((e.target as HTMLElement).closest('.move-menu')) return;
    const intent = intentOf(e);
    if (!intent) return;
    e.preventDefault();
    if (intent.kind === 'focus') {
      const at = find(g, card.id);
      const next = at && nextFocus(g, at, intent.key);
      if (next) focusCard(next);
      return;
    }
    const to = neighbour(card.status, intent.dir);
    if (!to) {
      announce(`${card.name} is already in ${STATUS_LABEL[card.status]}, the ${intent.dir < 0 ? 'first' : 'last'} stage.`);
      return;
    }
    if (board.pending[card.id]) {
      announce(`${card.name} is still moving.`);
      return;
    }
    wantFocus.current = card.id;
    onMove(card.id, to);
  };

  return (
    // The board scrolls sideways on a narrow screen: a focusable region, so
    // a keyboard can scroll it even when a column has no card to focus.
    <div className="leads-board" ref={root} role="region" aria-label="Leads by stage" tabIndex={0}>
      <p id={HELP_ID} className="visually-hidden">
        Arrow keys move between leads. Shift and the left or right arrow moves a lead to the previous or next stage. Enter opens it.
      </p>
      {STATUSES.map((status) => {
        const col = board.columns[status];
        const sum = board.summary?.[status];
        const count = columnCount(board, status);
        const value = sum ? formatValues(sum.value, { compact: true }) : '';
        const fullValue = sum ? formatValues(sum.value) : '';
        const headingId = `leads-col-${status}`;
        const firstLoad = (col.state === 'loading' || col.state === 'idle') && col.ids.length === 0;
        return (
          <section
            key={status}
            className={`leads-col leads-col--${status}${over === status ? ' is-over' : ''}`}
            aria-labelledby={headingId}
            onDragOver={(e) => {
              if (!dragging) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = 'move';
              if (over !== status) setOver(status);
            }}
            onDragLeave={(e) => {
              if (!e.currentTarget.contains(e.relatedTarget as Node | null) && over === status) setOver(null);
            }}
            onDrop={(e) => {
              e.preventDefault();
              const id = dragging ?? e.dataTransfer.getData('text/plain');
              setOver(null);
              setDragging(null);
              if (id && board.cards[id] && board.cards[id].status !== status) onMove(id, status);
            }}
          >
            <header className="leads-col__head">
              <h2 id={headingId} className="leads-col__title">
                <span className="leads-col__dot" aria-hidden="true" />
                {STATUS_LABEL[status]}
                <span className="leads-col__count" aria-hidden="true">
                  {count}
                </span>
                <span className="visually-hidden">, {formatCount(count)}</span>
              </h2>
              <p className="leads-col__value" title={fullValue || undefined}>
                {value ? (
                  <>
                    <span aria-hidden="true">{value}</span>
                    <span className="visually-hidden">Worth {fullValue}</span>
                  </>
                ) : (
                  <span className="leads-col__novalue">No value yet</span>
                )}
              </p>
            </header>
            {col.state === 'error' && col.ids.length === 0 ? (
              <InlineError error={col.error} onRetry={() => onRetry(status)} />
            ) : firstLoad ? (
              <CardSkeletons />
            ) : (
              <ul className="leads-col__list" aria-labelledby={headingId} aria-busy={col.state === 'loading' || undefined}>
                {col.ids.map((id) => {
                  const card = board.cards[id];
                  if (!card) return null;
                  return (
                    <CardView
                      key={id}
                      card={card}
                      href={`/leads/${id}${search}`}
                      tabbable={id === current}
                      pending={!!board.pending[id]}
                      dragging={dragging === id}
                      onKeyDown={(e) => onCardKey(e, card)}
                      onFocus={() => {
                        focused.current = id;
                        if (active !== id) setActive(id);
                      }}
                      onDragStart={() => setDragging(id)}
                      onDragEnd={() => {
                        setDragging(null);
                        setOver(null);
                      }}
                      onMove={(to) => {
                        wantFocus.current = id;
                        onMove(id, to);
                      }}
                    />
                  );
                })}
                {col.ids.length === 0 && <li className="leads-col__empty">{dragging ? 'Drop here' : 'No leads'}</li>}
              </ul>
            )}
            {col.state === 'error' && col.ids.length > 0 && <InlineError error={col.error} onRetry={() => onLoadMore(status)} />}
            {col.cursor && col.state !== 'error' && (
              <button type="button" className="button button--ghost leads-col__more" disabled={col.state === 'more'} onClick={() => onLoadMore(status)}>
                {col.state === 'more' ? 'Loading…' : 'Load more'}
              </button>
            )}
          </section>
        );
      })}
    </div>
  );
}

function CardSkeletons() {
  return (
    <div className="leads-col__skeleton" role="status" aria-label="Loading leads">
      {[0, 1, 2].map((i) => (
        <div key={i} className="lead-card lead-card--skeleton">
          <span className="skeleton__line" />
          <span className="skeleton__line" />
        </div>
      ))}
    </div>
  );
}

interface CardViewProps {
  card: Card;
  href: string;
  tabbable: boolean;
  pending: boolean;
  dragging: boolean;
  onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
  onFocus: () => void;
  onDragStart: () => void;
  onDragEnd: () => void;
  onMove: (to: LeadStatus) => void;
}

function CardView({ card, href, tabbable, pending, dragging, onKeyDown, onFocus, onDragStart, onDragEnd, onMove }: CardViewProps) {
  const sub = card.company || card.email || card.phone || '';
  return (
    <li
      className={`lead-card${pending ? ' is-pending' : ''}${dragging ? ' is-dragging' : ''}`}
      draggable={!pending}
      aria-busy={pending || undefined}
      onKeyDown={onKeyDown}
      onDragStart={(e) => {
        e.dataTransfer.setData('text/plain', card.id);
        e.dataTransfer.effectAllowed = 'move';
        onDragStart();
      }}
      onDragEnd={onDragEnd}
    >
      <a
        className="lead-card__link"
        href={href}
        data-card-link={card.id}
        tabIndex={tabbable ? 0 : -1}
        aria-describedby={HELP_ID}
        onFocus={onFocus}
        draggable={false}
      >
        <span className="lead-card__name">{card.name}</span>
        {sub && <span className="lead-card__sub">{sub}</span>}
        {card.status === 'lost' && card.lost_reason && <span className="lead-card__reason">Lost: {card.lost_reason}</span>}
        <span className="lead-card__meta">
          {card.source && <span className="lead-card__source">{card.source}</span>}
          {card.created_at && (
            <time className="lead-card__age" dateTime={card.created_at} title={`Added ${formatDateTime(card.created_at)}`}>
              <span aria-hidden="true">{formatAge(card.created_at)}</span>
              <span className="visually-hidden">added {formatRelative(card.created_at)}</span>
            </time>
          )}
          {card.value && card.value.amount > 0 && <span className="lead-card__value">{formatMoney(card.value, { compact: true })}</span>}
        </span>
      </a>
      <MoveMenu card={card} tabbable={tabbable} disabled={pending} onMove={onMove} />
    </li>
  );
}

/** The card's "Move to…" menu: the same moves as a drag, for the keyboard, touch and screen readers. */
function MoveMenu({ card, tabbable, disabled, onMove }: { card: Card; tabbable: boolean; disabled: boolean; onMove: (to: LeadStatus) => void }) {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<CSSProperties>({});
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const targets = STATUSES.filter((s) => s !== card.status);

  const toggle = () => {
    if (open) {
      setOpen(false);
      return;
    }
    // Fixed, under the button (above it near the bottom of the window).
    const r = button.current!.getBoundingClientRect();
    const win = button.current!.ownerDocument.defaultView!;
    const below = win.innerHeight - r.bottom;
    setPlace({
      right: Math.max(8, win.innerWidth - r.right),
      ...(below < 200 && r.top > below ? { bottom: win.innerHeight - r.top + 4 } : { top: r.bottom + 4 }),
    });
    setOpen(true);
  };

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus({ preventScroll: true });
    const doc = menu.current?.ownerDocument;
    const win = doc?.defaultView;
    const down = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    const away = () => setOpen(false);
    doc?.addEventListener('pointerdown', down);
    win?.addEventListener('resize', away);
    win?.addEventListener('scroll', away, true);
    return () => {
      doc?.removeEventListener('pointerdown', down);
      win?.removeEventListener('resize', away);
      win?.removeEventListener('scroll', away, true);
    };
  }, [open]);

  const onMenuKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(e.target as HTMLElement);
    let next: HTMLElement | undefined;
    if (e.key === 'ArrowDown') next = items[(i + 1) % items.length];
    else if (e.key === 'ArrowUp') next = items[(i - 1 + items.length) % items.length];
    else if (e.key === 'Home') next = items[0];
    else if (e.key === 'End') next = items[items.length - 1];
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
      return;
    } else if (e.key === 'Tab') {
      setOpen(false);
      return;
    } else return;
    e.preventDefault();
    next?.focus();
  };

  return (
    <div className="move-menu">
      <button
        ref={button}
        type="button"
        className="move-menu__button"
        aria-label={`Move ${card.name} to…`}
        aria-haspopup="menu"
        aria-expanded={open}
        tabIndex={tabbable ? 0 : -1}
        disabled={disabled}
        onClick={toggle}
      >
        <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
          <circle cx="3.5" cy="8" r="1.3" fill="currentColor" />
          <circle cx="8" cy="8" r="1.3" fill="currentColor" />
          <circle cx="12.5" cy="8" r="1.3" fill="currentColor" />
        </svg>
      </button>
      {open && (
        <ul ref={menu} className="move-menu__list" style={place} role="menu" aria-label={`Move ${card.name}`} onKeyDown={onMenuKey}>
          {targets.map((s) => (
            <li key={s} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={`move-menu__item move-menu__item--${s}`}
                onClick={() => {
                  setOpen(false);
                  onMove(s);
                }}
              >
                <span className="leads-dot" aria-hidden="true" />
                Move to {STATUS_LABEL[s]}
                {s === 'lost' ? '…' : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
