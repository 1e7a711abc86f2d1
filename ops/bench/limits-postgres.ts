/**
 * Postgres' ceiling for the processor's writes: one COPY of `rows` rows shaped like user_coupons
 * into a scratch table with the same three unique indexes (primary key, event_id, (coupon_id,
 * user_id)), time-ordered v7 event ids. The payload is built before the clock starts, so only
 * Postgres' work (and the socket) is timed. The table is dropped afterwards.
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 as uuidv7 } from 'uuid';
import type { BenchContext } from './context.ts';

const COUPONS = 100;
const ROWS_PER_CHUNK = 10_000;

/** COPY text payload in chunks: coupon_id, user_id, event_id, requested_at, issued_at. */
export function copyPayload(rows: number, at = new Date()): Buffer[] {
  const stamp = at.toISOString();
  const chunks: Buffer[] = [];
  for (let start = 0; start < rows; start += ROWS_PER_CHUNK) {
    let text = '';
    for (let i = start; i < Math.min(rows, start + ROWS_PER_CHUNK); i++) text += `${(i % COUPONS) + 1}\t${Math.floor(i / COUPONS) + 1}\t${uuidv7()}\t${stamp}\t${stamp}\n`;
    chunks.push(Buffer.from(text));
  }
  return chunks;
}

/** Rows per second of one COPY into the indexed scratch table. */
export async function measurePostgresCopy(ctx: BenchContext, rows: number): Promise<number> {
  const table = `bench_copy_${ctx.runId}`;
  const payload = copyPayload(rows);
  const client = await ctx.db.connect();
  try {
    await client.query(`CREATE TABLE ${table} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      coupon_id bigint NOT NULL, user_id bigint NOT NULL, event_id uuid NOT NULL,
      requested_at timestamptz NOT NULL, issued_at timestamptz NOT NULL,
      UNIQUE (event_id), UNIQUE (coupon_id, user_id))`);
    return await ctx.measureCpu('limits postgres copy', async () => {
      const started = performance.now();
      await pipeline(Readable.from(payload), client.query(copyFrom(`COPY ${table} (coupon_id, user_id, event_id, requested_at, issued_at) FROM STDIN`)));
      return rows / ((performance.now() - started) / 1000);
    });
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).finally(() => client.release());
  }
}
