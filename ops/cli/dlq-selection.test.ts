import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { isPermanent, isSelected, matchesFilter, namedPositions, parseCause, parseCouponId, parseSelection, readBounds } from './dlq-selection.ts';

describe('parseSelection', () => {
  it('takes all, positions and inclusive ranges', () => {
    expect(parseSelection(['all'])).toEqual({ kind: 'all' });
    expect(parseSelection(['0:17', '0:20-25', '2:3'])).toEqual({
      kind: 'ranges',
      ranges: [
        { partition: 0, from: 17, to: 17 },
        { partition: 0, from: 20, to: 25 },
        { partition: 2, from: 3, to: 3 },
      ],
    });
  });

  it.each([['17'], ['0:'], ['0:5-3'], ['all', '0:1'], ['0:a'], ['x:1-2'], ['-1:4']])('refuses %j as bad usage', (...tokens) => {
    expect(() => parseSelection(tokens)).toThrow(UsageError);
  });
});

describe('a selection', () => {
  const selection = parseSelection(['0:17', '0:20-25', '2:3']);

  it('selects what it names', () => {
    expect(isSelected(selection, 0, 17)).toBe(true);
    expect(isSelected(selection, 0, 18)).toBe(false);
    expect(isSelected(selection, 0, 25)).toBe(true);
    expect(isSelected(selection, 1, 17)).toBe(false);
    expect(isSelected({ kind: 'all' }, 9, 9)).toBe(true);
  });

  it('is read from its lowest to past its highest offset per partition', () => {
    expect(readBounds(selection)).toEqual({ from: new Map([[0, 17], [2, 3]]), until: new Map([[0, 26], [2, 4]]) });
    expect(readBounds({ kind: 'all' })).toBeUndefined();
  });

  it('names single positions, which must exist', () => {
    expect(namedPositions(selection).map((r) => `${r.partition}:${r.from}`)).toEqual(['0:17', '2:3']);
  });
});

describe('causes', () => {
  it('are permanent when the bytes themselves are wrong', () => {
    for (const cause of ['MISSING_VALUE', 'WRONG_MAGIC_BYTE', 'MALFORMED_BODY', 'UNEXPECTED_SCHEMA']) expect(isPermanent(cause)).toBe(true);
    for (const cause of ['UNKNOWN_SCHEMA_ID', 'INVALID_FIELD', 'UNPROCESSABLE']) expect(isPermanent(cause)).toBe(false);
  });

  it('are given in upper case', () => {
    expect(parseCause('unprocessable')).toBe('UNPROCESSABLE');
    expect(() => parseCause('no such thing!')).toThrow(UsageError);
  });
});

describe('matchesFilter', () => {
  const letter = { failedAt: 1000, errorType: 'UNPROCESSABLE', couponId: 42 };

  it('keeps what matches every given criterion', () => {
    expect(matchesFilter(letter, {})).toBe(true);
    expect(matchesFilter(letter, { since: 1000, cause: 'UNPROCESSABLE', coupon: 42 })).toBe(true);
    expect(matchesFilter(letter, { since: 1001 })).toBe(false);
    expect(matchesFilter(letter, { cause: 'WRONG_MAGIC_BYTE' })).toBe(false);
    expect(matchesFilter(letter, { coupon: 7 })).toBe(false);
    expect(matchesFilter({ ...letter, couponId: null }, { coupon: 42 })).toBe(false);
  });
});

describe('parseCouponId', () => {
  it('takes positive whole numbers only', () => {
    expect(parseCouponId('42')).toBe(42);
    for (const bad of ['0', '-1', '4.2', 'x', '']) expect(() => parseCouponId(bad)).toThrow(/--coupon takes a coupon id/);
  });
});
