import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './filters';
import { leadOf } from './index';

afterEach(() => vi.useRealTimers());

describe('debounce', () => {
  it('calls once, with the last arguments, after a pause', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('a');
    vi.advanceTimersByTime(200);
    d('ad');
    vi.advanceTimersByTime(200);
    d('ada');
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(fn.mock.calls).toEqual([['ada']]);
  });

  it('can be cancelled', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('x');
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('leadOf', () => {
  it('is the lead a path under /leads names', () => {
    expect(leadOf('')).toBeNull();
    expect(leadOf('/')).toBeNull();
    expect(leadOf('/0191-abc')).toBe('0191-abc');
    expect(leadOf('/0191-abc/')).toBe('0191-abc');
    expect(leadOf('/a/b')).toBeNull();
  });
});
