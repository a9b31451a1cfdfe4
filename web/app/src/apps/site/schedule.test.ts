import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultScheduleInput, localToUtcIso, toLocalInput } from './schedule';

describe('local time to UTC', () => {
  let tz: string | undefined;
  beforeEach(() => {
    tz = process.env.TZ;
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads the input in the browser’s zone (Paris, winter and summer)', () => {
    process.env.TZ = 'Europe/Paris';
    expect(localToUtcIso('2026-12-24T09:00')).toBe('2026-12-24T08:00:00Z');
    expect(localToUtcIso('2027-07-01T09:30')).toBe('2027-07-01T07:30:00Z');
  });

  it('crosses the date line', () => {
    process.env.TZ = 'America/New_York';
    expect(localToUtcIso('2026-12-31T22:00')).toBe('2027-01-01T03:00:00Z');
    process.env.TZ = 'Asia/Tokyo';
    expect(localToUtcIso('2027-01-01T08:00')).toBe('2026-12-31T23:00:00Z');
  });

  it('is UTC in UTC, with seconds if given', () => {
    process.env.TZ = 'UTC';
    expect(localToUtcIso('2026-12-24T08:00:30')).toBe('2026-12-24T08:00:30Z');
  });

  it('refuses what is not a date and time', () => {
    expect(localToUtcIso('')).toBeNull();
    expect(localToUtcIso('2026-12-24')).toBeNull();
    expect(localToUtcIso('2026-02-30T10:00')).toBeNull();
    expect(localToUtcIso('tomorrow')).toBeNull();
  });

  it('goes back to an input value, and defaults to the next full hour at least half an hour away', () => {
    process.env.TZ = 'Europe/Paris';
    expect(toLocalInput(new Date('2026-12-24T08:05:00Z'))).toBe('2026-12-24T09:05');
    expect(defaultScheduleInput(new Date('2026-12-24T08:05:00Z'))).toBe('2026-12-24T10:00');
    expect(defaultScheduleInput(new Date('2026-12-24T08:40:00Z'))).toBe('2026-12-24T11:00');
  });
});
