/**
 * I4 (first come, first served) judged on ledger rows written here: a SOLD_OUT counts against its
 * coupon when any ISSUED of the same coupon lies after it in (partition, offset) order. The rows
 * live in a temporary table that shadows the ledger for this one connection, so the test neither
 * touches the shared ledger nor depends on how it is stored.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { i4 } from '../../ops/verify/invariants.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';

type Row = [coupon: number, outcome: 'ISSUED' | 'SOLD_OUT', partition: number, offset: number];

describe('I4: first come, first served', () => {
  // One connection: the temporary table exists only in its session.
  const db = new pg.Pool({ connectionString: endpointsFromEnv().databaseUrl, max: 1 });
  const ledger = async (rows: Row[]): Promise<void> => {
    await db.query('TRUNCATE pg_temp.issue_outcomes');
    for (const [coupon, outcome, partition, offset] of rows) {
      await db.query('INSERT INTO pg_temp.issue_outcomes VALUES ($1, $2, $3, $4, $5)', [
        coupon,
        outcome === 'ISSUED' ? 'ISSUED' : 'REJECTED',
        outcome === 'ISSUED' ? null : 'SOLD_OUT',
        partition,
        offset,
      ]);
    }
  };

  beforeAll(async () => {
    await db.query('CREATE TEMPORARY TABLE issue_outcomes (coupon_id bigint, outcome text, reason text, source_partition integer, source_offset bigint)');
  });
  afterAll(() => db.end());

  it('holds when every SOLD_OUT comes after the last ISSUED of its coupon', async () => {
    await ledger([[1, 'ISSUED', 2, 10], [1, 'ISSUED', 2, 11], [1, 'SOLD_OUT', 2, 12], [1, 'SOLD_OUT', 3, 0], [2, 'SOLD_OUT', 1, 5]]);
    expect(await i4(db, [1, 2])).toMatchObject({ held: true, detail: '0 SOLD_OUT requests ahead of an issued one' });
  });

  it('counts every SOLD_OUT ahead of an ISSUED of the same coupon, by partition then offset', async () => {
    // Coupon 1: (1,99) and (2,3) lie before the ISSUED at (2,4), (2,5) after it. Coupon 2: in order.
    // Coupon 3 is not asked about.
    await ledger([[1, 'SOLD_OUT', 1, 99], [1, 'SOLD_OUT', 2, 3], [1, 'ISSUED', 2, 4], [1, 'SOLD_OUT', 2, 5], [2, 'ISSUED', 0, 0], [2, 'SOLD_OUT', 0, 1], [3, 'SOLD_OUT', 0, 0], [3, 'ISSUED', 0, 1]]);
    expect(await i4(db, [1, 2])).toMatchObject({ held: false, detail: '2 SOLD_OUT requests ahead of an issued one' });
  });
});
