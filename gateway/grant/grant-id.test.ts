import { describe, expect, it } from 'vitest';
import { v5 as uuidv5 } from 'uuid';
import { checkGrantId, contentGrantId, grantEventId, grantEventIdRange, grantEventIds, InvalidGrantIdError } from './grant-id.ts';
import { isUuid } from '../../processor/validate.ts';

const NAMESPACE = '3c0f4d52-8f51-4c59-9a0e-2f8f4c4f7a1e';

describe('grantEventId', () => {
  for (const scheme of ['grant-user', 'name-sha1'] as const) {
    it(`is the same UUID for the same coupon, grant and user, and differs when any of them differs (${scheme})`, () => {
      const id = grantEventId(42, 'crm-2026-11', 7, scheme);
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe(scheme === 'grant-user' ? '8' : '5');
      expect('89ab').toContain(id[19]);
      expect(grantEventId(42, 'crm-2026-11', 7, scheme)).toBe(id);
      expect(new Set([id, grantEventId(43, 'crm-2026-11', 7, scheme), grantEventId(42, 'crm-2026-12', 7, scheme), grantEventId(42, 'crm-2026-11', 8, scheme)]).size).toBe(4);
    });
  }

  it('derives new grants\' ids as grant-user UUIDv8s', () => {
    expect(grantEventId(42, 'crm-2026-11', 7)).toBe(grantEventId(42, 'crm-2026-11', 7, 'grant-user'));
  });

  it('sorts a grant-user grant\'s ids by user, as Postgres compares uuids (byte by byte), with the whole user id in them', () => {
    const ids = grantEventIds(7, 'g', 'grant-user');
    const users = [1, 2, 15, 16, 255, 256, 65_535, 2 ** 32, 2 ** 48 - 1, 2 ** 48, 2 ** 50 + 3, Number.MAX_SAFE_INTEGER];
    const texts = users.map(ids);
    expect([...texts].sort()).toEqual(texts);
    const prefix = texts[0]!.slice(0, 19);
    for (const [i, text] of texts.entries()) {
      expect(text.slice(0, 19)).toBe(prefix);
      // The 62 bits after the variant are the user id.
      expect(BigInt(`0x${text.slice(19).replace('-', '')}`) & ((1n << 62n) - 1n)).toBe(BigInt(users[i]!));
    }
  });

  it("keeps name-sha1 ids as uuid's v5 of <coupon>/<grant>/<user> in the grant namespace: a re-upload of an older grant must find the same ids", () => {
    expect(grantEventId(42, 'crm-2026-11', 7, 'name-sha1')).toBe(uuidv5('42/crm-2026-11/7', NAMESPACE));
    const ids = grantEventIds(9_007_199_254, `c9007199254-${'f'.repeat(32)}`, 'name-sha1');
    for (const userId of [1, 9, 10, 99_999, 123_456_789, Number.MAX_SAFE_INTEGER, 42, 1]) {
      expect(ids(userId)).toBe(uuidv5(`9007199254/c9007199254-${'f'.repeat(32)}/${userId}`, NAMESPACE));
    }
    for (let userId = 1; userId <= 2_000; userId++) expect(grantEventId(7, 'g', userId, 'name-sha1')).toBe(uuidv5(`7/g/${userId}`, NAMESPACE));
  });
});

describe('grantEventIdRange', () => {
  it("bounds every id of a grant-user grant, and no other grant's", () => {
    const range = grantEventIdRange(7, 'g', 'grant-user')!;
    const inRange = (id: string): boolean => id >= range.first && id <= range.last;
    for (const userId of [0, 1, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER]) expect(inRange(grantEventId(7, 'g', userId))).toBe(true);
    for (const [coupon, grant] of [[8, 'g'], [7, 'h']] as const) expect(inRange(grantEventId(coupon, grant, 1))).toBe(false);
  });

  it('has none for name-sha1 grants, whose ids are spread over all UUIDs', () => {
    expect(grantEventIdRange(7, 'g', 'name-sha1')).toBeUndefined();
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
