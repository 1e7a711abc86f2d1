import { describe, expect, it } from 'vitest';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import { renderGrant, renderGrantList } from './grant.ts';

const NOW = Date.parse('2026-11-30T12:00:00Z');

const grant = (over: Partial<Grant>): Grant => ({
  id: 'spring',
  couponId: 42,
  status: 'DONE',
  uploaded: true,
  linesRead: 1200,
  invalidLines: 1,
  counts: { users: 1199, issued: 1000, rejected: { ALREADY_ISSUED: 9 }, failed: 1, refused: { SOLD_OUT: 180 }, pending: 9 },
  createdAt: '2026-11-30T11:00:00.000Z',
  updatedAt: '2026-11-30T11:58:00.000Z',
  completedAt: '2026-11-30T11:58:00.000Z',
  ...over,
});

describe('renderGrantList', () => {
  it('shows one grant a row, what was not issued summed, and how long ago it last did anything', () => {
    const text = renderGrantList([grant({})], NOW);
    expect(text.split('\n')).toEqual([
      'GRANT   COUPON  STATUS  UPLOAD    USERS  ISSUED  NOT ISSUED  PENDING  CREATED               LAST ACTIVITY',
      'spring      42  DONE    complete  1,199   1,000         190        9  2026-11-30T11:00:00Z  2m 00s ago',
    ]);
  });

  it('shows the line a stopped upload reached, and says how to resume it', () => {
    const text = renderGrantList([grant({ status: 'RUNNING', uploaded: false, linesRead: 5000, completedAt: null })], NOW);
    expect(text).toMatch(/RUNNING +line 5,000 /);
    expect(text).toMatch(/run it again with the same file or --grant-id; it resumes/);
  });

  it('says so when there are none', () => {
    expect(renderGrantList([], NOW)).toBe('no grants');
  });
});

describe('renderGrant', () => {
  it('dates the grant: created, its last activity, done', () => {
    expect(renderGrant(grant({}), NOW).split('\n').at(-1)).toBe('created 2026-11-30T11:00:00Z, last activity 2m 00s ago, done 2026-11-30T11:58:00Z');
    expect(renderGrant(grant({ status: 'RUNNING', completedAt: null }), NOW).split('\n').at(-1)).toBe('created 2026-11-30T11:00:00Z, last activity 2m 00s ago');
  });
});
