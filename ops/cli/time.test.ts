import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { formatDuration, formatTime, parseSince } from './time.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['90s', NOW - 90_000],
    ['15m', NOW - 900_000],
    ['2h', NOW - 7_200_000],
    ['1d', NOW - 86_400_000],
    ['1h30m', NOW - 5_400_000],
    ['500ms', NOW - 500],
  ])('takes the duration %s back from now', (raw, expected) => {
    expect(parseSince(raw, NOW)).toBe(expected);
  });

  it.each([
    ['2026-02-28T10:00:00Z', Date.parse('2026-02-28T10:00:00Z')],
    ['2026-02-28T10:00:00.250+01:00', Date.parse('2026-02-28T09:00:00.250Z')],
    ['2026-02-28', Date.parse('2026-02-28T00:00:00Z')],
  ])('takes the ISO time %s', (raw, expected) => {
    expect(parseSince(raw, NOW)).toBe(expected);
  });

  it.each(['', 'yesterday', '15', '15 m', '2h-', '-1h', '2026-13-45', '1y'])('refuses %j as bad usage', (raw) => {
    expect(() => parseSince(raw, NOW)).toThrow(UsageError);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [12_499, '12.5 s'],
    [245_000, '4m 05s'],
    [3 * 3_600_000 + 120_000, '3h 02m'],
    [2 * 86_400_000 + 4 * 3_600_000, '2d 04h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatTime', () => {
  it('is ISO UTC to the second, - for none', () => {
    expect(formatTime(Date.parse('2026-03-01T12:00:00.999Z'))).toBe('2026-03-01T12:00:00Z');
    expect(formatTime(null)).toBe('-');
  });
});
