import { describe, expect, it } from 'vitest';
import type { Decoded, SourceRecord } from './decode.ts';
import { planBatch } from './plan.ts';

const source = (partition: number, offset: number): SourceRecord => ({ topic: 't', partition, offset, key: null, value: Buffer.from([0]), headers: [], timestamp: 0 });
const req = (partition: number, offset: number, userId: number, problem: string | null = null): Decoded => ({
  kind: 'request',
  source: source(partition, offset),
  request: { eventId: `0190A000-0000-7000-8000-${String(offset).padStart(12, '0')}`, couponId: 1, userId, requestedAt: 5 },
  problem,
});

describe('planBatch', () => {
  it('stages requests in (partition, offset) order and lower-cases event ids', () => {
    const plan = planBatch([req(1, 7, 1), req(0, 9, 2), req(1, 3, 3)]);
    expect(plan.staged.map((s) => [s.partition, s.offset])).toEqual([
      [0, 9],
      [1, 3],
      [1, 7],
    ]);
    expect(plan.staged[0]!.eventId).toBe('0190a000-0000-7000-8000-000000000009');
  });
  it('sends undecodable records straight to the DLQ and keeps FAILED requests staged', () => {
    const plan = planBatch([
      { kind: 'dead-letter', source: source(0, 1), errorType: 'WRONG_MAGIC_BYTE', message: 'm', eventId: null },
      req(0, 2, -1, 'userId -1 is not a positive integer'),
    ]);
    expect(plan.deadLetters).toHaveLength(1);
    expect(plan.staged).toHaveLength(1);
    expect(plan.staged[0]!.failure).toBe('INVALID_FIELD: userId -1 is not a positive integer');
    expect(plan.sources.get(plan.staged[0]!)).toMatchObject({ partition: 0, offset: 2 });
  });
  it("marks a bulk grant's requests (null or absent grant: a request through the gate)", () => {
    const granted = req(0, 1, 1) as Extract<Decoded, { kind: 'request' }>;
    granted.request.grant = 'spring';
    const viaGate = req(0, 2, 2) as Extract<Decoded, { kind: 'request' }>;
    viaGate.request.grant = null;
    expect(planBatch([granted, viaGate, req(0, 3, 3)]).staged.map((s) => s.fromGrant)).toEqual([true, false, false]);
  });
  it('gives a FAILED request with a nonsense time a storable one', () => {
    const d = req(0, 1, 1, 'bad time') as Extract<Decoded, { kind: 'request' }>;
    d.request.requestedAt = Number.MAX_SAFE_INTEGER;
    expect(planBatch([d]).staged[0]!.requestedAt).toBe(0);
  });
});
