import { describe, expect, it } from 'vitest';
import { requestProblem } from './validate.ts';
import { lagOf } from './lag-monitor.ts';
import { copyEscape } from './ledger.ts';

const ok = { eventId: '0190a000-0000-7000-8000-000000000001', couponId: 1, userId: 2, requestedAt: 1_700_000_000_000 };
const NOW = 1_700_000_100_000;

describe('requestProblem', () => {
  it('accepts a well-formed request', () => expect(requestProblem(ok, NOW)).toBeNull());
  it.each([
    [{ eventId: 'nope' }, /not a UUID/],
    [{ couponId: 0 }, /couponId 0/],
    [{ userId: -4 }, /userId -4/],
    [{ requestedAt: 0 }, /requestedAt/],
    [{ requestedAt: NOW + 2 * 86_400_000 }, /future/],
  ])('names the problem of %o', (patch, message) => expect(requestProblem({ ...ok, ...patch }, NOW)).toMatch(message));
});

describe('small pure helpers', () => {
  it('computes lag from the committed offset, or from the log start when none is committed', () => {
    expect(lagOf(100, 40, 0)).toBe(60);
    expect(lagOf(100, -1, 30)).toBe(70);
    expect(lagOf(100, 120, 0)).toBe(0);
  });
  it('escapes COPY text specials', () => expect(copyEscape('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re'));
});
