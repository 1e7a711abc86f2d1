import { describe, expect, it } from 'vitest';
import { v5 as uuidv5 } from 'uuid';
import { checkGrantId, contentGrantId, grantEventId, grantEventIds, InvalidGrantIdError } from './grant-id.ts';
import { isUuid } from '../../processor/validate.ts';

describe('grantEventId', () => {
  it('is the same UUID for the same coupon, grant and user, and differs when any of them differs', () => {
    const id = grantEventId(42, 'crm-2026-11', 7);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('5');
    expect(grantEventId(42, 'crm-2026-11', 7)).toBe(id);
    expect(new Set([id, grantEventId(43, 'crm-2026-11', 7), grantEventId(42, 'crm-2026-12', 7), grantEventId(42, 'crm-2026-11', 8)]).size).toBe(4);
  });

  it("is uuid's v5 of <coupon>/<grant>/<user> in the grant namespace, as before it was derived by hand: a re-upload must find the same ids", () => {
    expect(grantEventId(42, 'crm-2026-11', 7)).toBe(uuidv5('42/crm-2026-11/7', '3c0f4d52-8f51-4c59-9a0e-2f8f4c4f7a1e'));
    const ids = grantEventIds(9_007_199_254, `c9007199254-${'f'.repeat(32)}`);
    for (const userId of [1, 9, 10, 99_999, 123_456_789, Number.MAX_SAFE_INTEGER, 42, 1]) {
      expect(ids(userId)).toBe(uuidv5(`9007199254/c9007199254-${'f'.repeat(32)}/${userId}`, '3c0f4d52-8f51-4c59-9a0e-2f8f4c4f7a1e'));
    }
    for (let userId = 1; userId <= 2_000; userId++) expect(grantEventId(7, 'g', userId)).toBe(uuidv5(`7/g/${userId}`, '3c0f4d52-8f51-4c59-9a0e-2f8f4c4f7a1e'));
  });
});

describe('grant ids', () => {
  it('derives the id of an upload without one from its coupon and content hash', () => {
    const hash = 'ab'.repeat(32);
    expect(contentGrantId(42, hash)).toBe(`c42-${'ab'.repeat(16)}`);
    expect(checkGrantId(contentGrantId(42, hash))).toBe(contentGrantId(42, hash));
  });

  it('refuses ids with other characters or over 64 characters', () => {
    expect(checkGrantId('spring_2026.v2:a-b')).toBe('spring_2026.v2:a-b');
    for (const bad of ['', 'a b', 'ü', 'x'.repeat(65), 'a/b']) expect(() => checkGrantId(bad)).toThrow(InvalidGrantIdError);
  });
});
