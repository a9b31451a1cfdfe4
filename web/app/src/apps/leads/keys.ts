// The board's keyboard model, pure: which card the arrow keys go to, and
// which keys move a card to another stage.
//
//   ↑ ↓          the previous / next card of the column
//   ← →          the nearest card of the previous / next column with cards
//   Home / End   the first / last card of the column
//   Shift+← →    move the card to the previous / next stage
//   Enter        open the lead (the card is a link)
import { STATUSES, type LeadStatus } from './model';

export type Grid = Record<LeadStatus, readonly string[]>;

export interface Pos {
  status: LeadStatus;
  index: number;
}

export type KeyIntent =
  | { kind: 'focus'; key: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight' | 'Home' | 'End' }
  | { kind: 'move'; dir: -1 | 1 };

/** intentOf reads a keydown on a card; null for keys the board leaves alone. */
export function intentOf(e: { key: string; shiftKey?: boolean; altKey?: boolean; ctrlKey?: boolean; metaKey?: boolean }): KeyIntent | null {
  if (e.altKey || e.ctrlKey || e.metaKey) return null;
  if (e.shiftKey) {
    if (e.key === 'ArrowLeft') return { kind: 'move', dir: -1 };
    if (e.key === 'ArrowRight') return { kind: 'move', dir: 1 };
    return null;
  }
  switch (e.key) {
    case 'ArrowUp':
    case 'ArrowDown':
    case 'ArrowLeft':
    case 'ArrowRight':
    case 'Home':
    case 'End':
      return { kind: 'focus', key: e.key };
    default:
      return null;
  }
}

/** find is where a card is on the board, or null. */
export function find(grid: Grid, id: string): Pos | null {
  for (const status of STATUSES) {
    const index = grid[status].indexOf(id);
    if (index >= 0) return { status, index };
  }
  return null;
}

/** nextFocus is the card a focus key goes to from a card, or null to stay. */
export function nextFocus(grid: Grid, from: Pos, key: Extract<KeyIntent, { kind: 'focus' }>['key']): string | null {
  const col = grid[from.status];
  const at = (status: LeadStatus, index: number) => grid[status][index] ?? null;
  switch (key) {
    case 'ArrowUp':
      return from.index > 0 ? at(from.status, from.index - 1) : null;
    case 'ArrowDown':
      return from.index < col.length - 1 ? at(from.status, from.index + 1) : null;
    case 'Home':
      return col.length && from.index !== 0 ? at(from.status, 0) : null;
    case 'End':
      return col.length && from.index !== col.length - 1 ? at(from.status, col.length - 1) : null;
    case 'ArrowLeft':
    case 'ArrowRight': {
      const step = key === 'ArrowLeft' ? -1 : 1;
      for (let i = STATUSES.indexOf(from.status) + step; i >= 0 && i < STATUSES.length; i += step) {
        const s = STATUSES[i]!;
        const n = grid[s].length;
        if (n) return at(s, Math.min(from.index, n - 1));
      }
      return null;
    }
  }
}

/** neighbour is the stage before (-1) or after (1) a stage, or null at the ends. */
export function neighbour(status: LeadStatus, dir: -1 | 1): LeadStatus | null {
  return STATUSES[STATUSES.indexOf(status) + dir] ?? null;
}

/** firstCard is where the board's focus starts: the first card of the first column with cards. */
export function firstCard(grid: Grid): string | null {
  for (const s of STATUSES) if (grid[s].length) return grid[s][0]!;
  return null;
}
