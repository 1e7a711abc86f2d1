import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { parseCouponDefinition, parseIssueBody, parseJsonId, parsePathId } from './validation.ts';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).code;
  }
  throw new Error('expected a 400 ApiError');
}

describe('parsePathId', () => {
  it.each(['1', '42', '9007199254740991'])('accepts %s', (raw) => {
    expect(parsePathId(raw, 'INVALID_COUPON_ID', 'couponId')).toBe(Number(raw));
  });

  it.each([
    ['zero', '0'],
    ['negative', '-1'],
    ['fraction', '1.5'],
    ['exponent', '1e3'],
    ['leading zero', '012'],
    ['hex', '0x10'],
    ['letters', 'abc'],
    ['empty', ''],
    ['plus sign', '+5'],
    ['whitespace', ' 5'],
    ['2^53', '9007199254740992'],
    ['17 digits', '12345678901234567'],
  ])('refuses %s', (_name, raw) => {
    expect(codeOf(() => parsePathId(raw, 'INVALID_COUPON_ID', 'couponId'))).toBe('INVALID_COUPON_ID');
  });

  it('refuses a non-string', () => {
    expect(codeOf(() => parsePathId(5, 'INVALID_USER_ID', 'userId'))).toBe('INVALID_USER_ID');
  });
});

describe('parseJsonId', () => {
  it('accepts a positive safe integer', () => {
    expect(parseJsonId(7, 'INVALID_USER_ID', 'userId')).toBe(7);
    expect(parseJsonId(Number.MAX_SAFE_INTEGER, 'INVALID_USER_ID', 'userId')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([0, -1, 1.5, 2 ** 53, Number.NaN, Infinity, '7', null, true, [7], { id: 7 }])('refuses %s', (raw) => {
    expect(codeOf(() => parseJsonId(raw, 'INVALID_USER_ID', 'userId'))).toBe('INVALID_USER_ID');
  });
});

describe('parseIssueBody', () => {
  it('returns the userId', () => {
    expect(parseIssueBody({ userId: 12 })).toBe(12);
  });

  it('returns undefined when userId is left out (allowed only with tokens, decided by resolveUserId)', () => {
    expect(parseIssueBody({})).toBeUndefined();
  });

  it.each([
    ['no body', undefined, 'MISSING_BODY'],
    ['null', null, 'INVALID_BODY'],
    ['array', [{ userId: 1 }], 'INVALID_BODY'],
    ['string', 'userId=1', 'INVALID_BODY'],
    ['number', 1, 'INVALID_BODY'],
    ['unknown field', { userId: 1, admin: true }, 'UNKNOWN_FIELD'],
    ['string id', { userId: '1' }, 'INVALID_USER_ID'],
    ['null id', { userId: null }, 'INVALID_USER_ID'],
  ])('refuses %s', (_name, body, code) => {
    expect(codeOf(() => parseIssueBody(body))).toBe(code);
  });
});

describe('parseCouponDefinition', () => {
  const now = Date.parse('2030-01-01T00:00:00.000Z');

  it('defaults the window to [now, open-ended)', () => {
    expect(parseCouponDefinition({ name: ' Flash ', totalQuantity: 100 }, now)).toEqual({ name: 'Flash', totalQuantity: 100, startsAt: now, endsAt: null });
  });

  it('reads an explicit window with offsets', () => {
    const parsed = parseCouponDefinition({ name: 'x', totalQuantity: 1, startsAt: '2030-01-01T09:00:00+09:00', endsAt: '2030-01-01T01:00:00.500Z' }, now);
    expect(parsed.startsAt).toBe(now);
    expect(parsed.endsAt).toBe(now + 3_600_500);
  });

  it.each([
    ['missing name', { totalQuantity: 1 }, 'INVALID_NAME'],
    ['blank name', { name: '  ', totalQuantity: 1 }, 'INVALID_NAME'],
    ['long name', { name: 'x'.repeat(201), totalQuantity: 1 }, 'INVALID_NAME'],
    ['missing quantity', { name: 'x' }, 'INVALID_TOTAL_QUANTITY'],
    ['zero quantity', { name: 'x', totalQuantity: 0 }, 'INVALID_TOTAL_QUANTITY'],
    ['fractional quantity', { name: 'x', totalQuantity: 1.5 }, 'INVALID_TOTAL_QUANTITY'],
    ['quantity over int4', { name: 'x', totalQuantity: 2 ** 31 }, 'INVALID_TOTAL_QUANTITY'],
    ['quantity as string', { name: 'x', totalQuantity: '5' }, 'INVALID_TOTAL_QUANTITY'],
    ['bad date', { name: 'x', totalQuantity: 1, startsAt: 'tomorrow' }, 'INVALID_WINDOW'],
    ['date without offset', { name: 'x', totalQuantity: 1, startsAt: '2030-01-01T00:00:00' }, 'INVALID_WINDOW'],
    ['end before start', { name: 'x', totalQuantity: 1, startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 'INVALID_WINDOW'],
    ['end equal to start', { name: 'x', totalQuantity: 1, endsAt: '2030-01-01T00:00:00Z' }, 'INVALID_WINDOW'],
    ['unknown field', { name: 'x', totalQuantity: 1, issuedQuantity: 0 }, 'UNKNOWN_FIELD'],
    ['not an object', [1], 'INVALID_BODY'],
  ])('refuses %s', (_name, body, code) => {
    expect(codeOf(() => parseCouponDefinition(body, now))).toBe(code);
  });
});
