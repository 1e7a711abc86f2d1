import { describe, expect, it } from 'vitest';
import { UnknownSchemaGrace } from './unknown-schemas.ts';

describe('unknown schema ids', () => {
  it('are waited for during the grace period from their first sighting, then given up', () => {
    const grace = new UnknownSchemaGrace(1000);
    expect(grace.waiting(7, 10_000)).toBe(true);
    expect(grace.waiting(7, 10_999)).toBe(true);
    expect(grace.waiting(7, 11_000)).toBe(false);
  });
  it('are tracked per schema id', () => {
    const grace = new UnknownSchemaGrace(1000);
    grace.waiting(7, 0);
    expect(grace.waiting(8, 5000)).toBe(true);
    expect(grace.waiting(7, 5000)).toBe(false);
  });
  it('with no grace go to the DLQ at once', () => {
    expect(new UnknownSchemaGrace(0).waiting(7, 0)).toBe(false);
  });
});
