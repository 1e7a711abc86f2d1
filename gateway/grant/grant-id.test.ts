import { describe, expect, it } from 'vitest';
import { checkGrantId, contentGrantId, grantEventId, InvalidGrantIdError } from './grant-id.ts';
import { isUuid } from '../../processor/validate.ts';

describe('grantEventId', () => {
  it('is the same UUID for the same coupon, grant and user, and differs when any of them differs', () => {
    const id = grantEventId(42, 'crm-2026-11', 7);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('5');
    expect(grantEventId(42, 'crm-2026-11', 7)).toBe(id);
    expect(new Set([id, grantEventId(43, 'crm-2026-11', 7), grantEventId(42, 'crm-2026-12', 7), grantEventId(42, 'crm-2026-11', 8)]).size).toBe(4);
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
