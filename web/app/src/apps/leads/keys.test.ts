import { describe, expect, it } from 'vitest';
import { find, firstCard, intentOf, neighbour, nextFocus, type Grid } from './keys';

const grid: Grid = {
  new: ['a', 'b', 'c'],
  contacted: [],
  qualified: ['d'],
  won: ['e', 'f'],
  lost: [],
};

describe('the keyboard model', () => {
  it('reads the keys the board uses, and only those', () => {
    expect(intentOf({ key: 'ArrowDown' })).toEqual({ kind: 'focus', key: 'ArrowDown' });
    expect(intentOf({ key: 'Home' })).toEqual({ kind: 'focus', key: 'Home' });
    expect(intentOf({ key: 'ArrowRight', shiftKey: true })).toEqual({ kind: 'move', dir: 1 });
    expect(intentOf({ key: 'ArrowLeft', shiftKey: true })).toEqual({ kind: 'move', dir: -1 });
    expect(intentOf({ key: 'ArrowUp', shiftKey: true })).toBeNull();
    expect(intentOf({ key: 'ArrowRight', altKey: true })).toBeNull(); // the browser's back/forward
    expect(intentOf({ key: 'ArrowDown', ctrlKey: true })).toBeNull();
    expect(intentOf({ key: 'Enter' })).toBeNull(); // the link opens the lead
    expect(intentOf({ key: 'a' })).toBeNull();
  });

  it('finds a card', () => {
    expect(find(grid, 'f')).toEqual({ status: 'won', index: 1 });
    expect(find(grid, 'zz')).toBeNull();
  });

  it('moves up and down a column, stopping at its ends', () => {
    expect(nextFocus(grid, { status: 'new', index: 0 }, 'ArrowDown')).toBe('b');
    expect(nextFocus(grid, { status: 'new', index: 2 }, 'ArrowDown')).toBeNull();
    expect(nextFocus(grid, { status: 'new', index: 1 }, 'ArrowUp')).toBe('a');
    expect(nextFocus(grid, { status: 'new', index: 0 }, 'ArrowUp')).toBeNull();
    expect(nextFocus(grid, { status: 'new', index: 1 }, 'Home')).toBe('a');
    expect(nextFocus(grid, { status: 'new', index: 0 }, 'End')).toBe('c');
    expect(nextFocus(grid, { status: 'new', index: 2 }, 'End')).toBeNull();
  });

  it('moves across columns, skipping empty ones, to the nearest row', () => {
    expect(nextFocus(grid, { status: 'new', index: 2 }, 'ArrowRight')).toBe('d'); // contacted is empty
    expect(nextFocus(grid, { status: 'qualified', index: 0 }, 'ArrowRight')).toBe('e');
    expect(nextFocus(grid, { status: 'won', index: 1 }, 'ArrowLeft')).toBe('d');
    expect(nextFocus(grid, { status: 'qualified', index: 0 }, 'ArrowLeft')).toBe('a');
    expect(nextFocus(grid, { status: 'won', index: 1 }, 'ArrowRight')).toBeNull(); // lost is empty: the edge
    expect(nextFocus(grid, { status: 'new', index: 0 }, 'ArrowLeft')).toBeNull();
  });

  it('knows the stage before and after, for Shift+arrows', () => {
    expect(neighbour('new', 1)).toBe('contacted');
    expect(neighbour('won', 1)).toBe('lost');
    expect(neighbour('new', -1)).toBeNull();
    expect(neighbour('lost', 1)).toBeNull();
  });

  it('starts on the first card of the board', () => {
    expect(firstCard(grid)).toBe('a');
    expect(firstCard({ ...grid, new: [] })).toBe('d');
    expect(firstCard({ new: [], contacted: [], qualified: [], won: [], lost: [] })).toBeNull();
  });
});
