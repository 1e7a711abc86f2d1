import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { Redis } from 'ioredis';
import { checkInvariants } from '../../ops/verify/invariants.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../../schemas/redis-keys.ts';
import { packPendingStatus } from '../../schemas/status-value.ts';
import { statusOf } from '../support/statuses.ts';
import { outputEnds, readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { eventually } from '../support/eventually.ts';
import { allDecided, ledgerRows } from '../support/ledger.ts';
import { sample } from '../support/metrics.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe.each(['batch', 'single'] as const)('processor in %s mode', (mode) => {
  let db: pg.Pool;
  let producer: RequestProducer;
  /** Output topics are read from here on: earlier runs' records are not this file's business. */
  let since: OutputOffsets;
  let processor: ProcessorProcess;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    since = await outputEnds();
    processor = await (await ProcessorProcess.start({ instanceId: `issuance-${mode}`, mode })).ready();
  });

  afterAll(async () => {
    expect(await processor.stop('SIGTERM')).toBe(0);
    await producer.disconnect();
    await db.end();
  });

  it('issues to exactly the first N requests by offset and rejects the rest as SOLD_OUT', async () => {
    const quantity = mode === 'batch' ? 100 : 20;
    const users = mode === 'batch' ? 1000 : 120;
    const coupon = await createCoupon(db, quantity);
    const sent = await producer.send(range(1, users).map((u) => request(coupon, u)));
    const ids = sent.map((s) => s.eventId);
    await eventually(() => allDecided(db, ids), 60_000);

    const ledger = await ledgerRows(db, ids);
    const byOffset = [...sent].sort((a, b) => a.offset - b.offset);
    const issued = byOffset.filter((s) => ledger.get(s.eventId)!.outcome === 'ISSUED').map((s) => s.eventId);
    expect(issued).toEqual(byOffset.slice(0, quantity).map((s) => s.eventId));
    for (const s of byOffset.slice(quantity)) expect(ledger.get(s.eventId)).toMatchObject({ outcome: 'REJECTED', reason: 'SOLD_OUT' });

    // A unit is decided in Postgres before its Kafka transaction commits: wait for the records.
    const mine = new Set(ids);
    const outputs = await eventually(async () => {
      const o = await readOutputs(producer.serde, since);
      return [...o.issued, ...o.rejected].filter((r) => mine.has(r.eventId)).length >= users && o;
    }, 30_000, 250);
    expect(outputs.issued.filter((r) => mine.has(r.eventId))).toHaveLength(quantity);
    // Each coupon-issued record carries the ledger's issue time and request time, to the millisecond.
    const times = await db.query<{ event_id: string; issued_ms: string; requested_ms: string }>(
      'SELECT event_id, (extract(epoch FROM issued_at) * 1000)::bigint AS issued_ms, (extract(epoch FROM requested_at) * 1000)::bigint AS requested_ms FROM user_coupons WHERE event_id = ANY($1::uuid[])',
      [issued],
    );
    const ledgerTimes = new Map(times.rows.map((r) => [r.event_id, [Number(r.issued_ms), Number(r.requested_ms)]]));
    for (const r of outputs.issued.filter((o) => mine.has(o.eventId))) expect([r.issuedAt, r.requestedAt]).toEqual(ledgerTimes.get(r.eventId));
    expect(outputs.rejected.filter((r) => mine.has(r.eventId))).toHaveLength(users - quantity);
    const results = await checkInvariants(db, [coupon], ids, outputs);
    expect(results.filter((r) => !r.held)).toEqual([]);

    // After the commit, each user's status and the partition's watermark reach Redis.
    const redis = new Redis(endpointsFromEnv().redisUrl);
    try {
      const winner = ledger.get(byOffset[0]!.eventId)!;
      const loser = byOffset[byOffset.length - 1]!;
      await eventually(async () => (await statusOf(redis, coupon, Number(winner.user_id))).status === 'ISSUED');
      expect(await statusOf(redis, coupon, Number(winner.user_id))).toEqual({ status: 'ISSUED', eventId: winner.event_id, userCouponId: winner.user_coupon_id });
      await eventually(async () => (await statusOf(redis, coupon, loser.userId)).reason === 'SOLD_OUT');
      expect(Number(await redis.get(redisKeys.watermark(loser.partition)))).toBeGreaterThanOrEqual(loser.offset);
    } finally {
      redis.disconnect();
    }
  });

  it('rejects a second request of a user as ALREADY_ISSUED, within one batch and across batches', async () => {
    const coupon = await createCoupon(db, 50);
    // Users 1..30 twice in one burst (same batch), then users 1..10 again after the first burst is decided.
    const first = await producer.send([...range(1, 30), ...range(1, 30)].map((u) => request(coupon, u)));
    await eventually(() => allDecided(db, first.map((s) => s.eventId)), 60_000);
    const second = await producer.send(range(1, 10).map((u) => request(coupon, u)));
    const all = [...first, ...second];
    await eventually(() => allDecided(db, all.map((s) => s.eventId)), 60_000);

    const ledger = await ledgerRows(db, all.map((s) => s.eventId));
    for (const s of first.slice(0, 30)) expect(ledger.get(s.eventId)!.outcome).toBe('ISSUED');
    for (const s of [...first.slice(30), ...second]) expect(ledger.get(s.eventId)).toMatchObject({ outcome: 'REJECTED', reason: 'ALREADY_ISSUED' });
    const { rows } = await db.query('SELECT issued_quantity FROM coupons WHERE id = $1', [coupon]);
    expect(rows[0].issued_quantity).toBe(30);

    // The status stays ISSUED although the user's second request was decided in the same batch.
    const redis = new Redis(endpointsFromEnv().redisUrl);
    try {
      const last = all.reduce((a, b) => (b.offset > a.offset ? b : a));
      await eventually(async () => Number(await redis.get(redisKeys.watermark(last.partition))) >= last.offset, 30_000);
      const statuses = await Promise.all(first.slice(0, 30).map((s) => statusOf(redis, coupon, s.userId)));
      expect(statuses.map((f) => [f.status, f.eventId])).toEqual(first.slice(0, 30).map((s) => ['ISSUED', s.eventId]));
    } finally {
      redis.disconnect();
    }
  });

  it("replaces the gate's PENDING statuses and gives the coupon's statuses the full TTL again", async () => {
    const coupon = await createCoupon(db, 2);
    // Users 1 and 3 have the PENDING status the gate writes on a 202 (the hash here with a short TTL);
    // users 2 and 4 have none (their requests came from another producer). 1 and 2 win, 3 and 4 are SOLD_OUT.
    const requests = range(1, 4).map((u) => request(coupon, u));
    const key = redisKeys.statuses(coupon);
    const redis = new Redis(endpointsFromEnv().redisUrl);
    try {
      for (const r of [requests[0]!, requests[2]!]) await redis.hset(key, r.userId, packPendingStatus(r.eventId, r.requestedAt));
      await redis.expire(key, 1000);
      const sent = await producer.send(requests);
      await eventually(() => allDecided(db, sent.map((s) => s.eventId)), 60_000);
      const statuses = async (): Promise<Array<string | undefined>> => Promise.all(range(1, 4).map(async (u) => (await statusOf(redis, coupon, u)).status));
      await eventually(async () => JSON.stringify(await statuses()) === JSON.stringify(['ISSUED', 'ISSUED', 'REJECTED', 'REJECTED']), 30_000);
      expect((await Promise.all(range(1, 4).map((u) => statusOf(redis, coupon, u)))).map((f) => f.eventId)).toEqual(requests.map((r) => r.eventId));
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(STATUS_TTL_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(STATUS_TTL_SECONDS);
    } finally {
      redis.disconnect();
    }
  });

  it('rejects unknown coupons and requests outside the coupon window', async () => {
    const now = Date.now();
    const future = await createCoupon(db, 10, { startsAt: new Date(now + 3_600_000) });
    const ended = await createCoupon(db, 10, { startsAt: new Date(now - 7_200_000), endsAt: new Date(now - 3_600_000) });
    const sent = await producer.send([request(future, 1), request(ended, 1), request(987_654_321, 1)]);
    await eventually(() => allDecided(db, sent.map((s) => s.eventId)), 60_000);
    const ledger = await ledgerRows(db, sent.map((s) => s.eventId));
    expect(sent.map((s) => ledger.get(s.eventId)!.reason)).toEqual(['COUPON_NOT_ACTIVE', 'COUPON_NOT_ACTIVE', 'COUPON_NOT_FOUND']);
  });
});

// A group of its own: the processor that takes the record is the one whose metrics are read.
describe('the wait before a unit is taken', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let processor: ProcessorProcess;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    processor = await (await ProcessorProcess.startAlone({ instanceId: 'unit-wait' })).ready();
  });

  afterAll(async () => {
    expect(await processor.stop('SIGTERM')).toBe(0);
    await producer.disconnect();
    await db.end();
  });

  it("reports how long a unit's first request had waited, from the record's own timestamp", async () => {
    const wait = 'coupon_processor_unit_wait_seconds';
    const read = async (): Promise<{ sum: number; count: number; over300s: number }> => {
      const m = await processor.metrics();
      const count = sample(m, `${wait}_count`);
      return { sum: sample(m, `${wait}_sum`), count, over300s: count - sample(m, `${wait}_bucket`, 'le="300"') };
    };
    const before = await read();
    const coupon = await createCoupon(db, 1);
    // Produced, by its record's clock, ten minutes ago: as if it had waited behind a backlog.
    await producer.send([request(coupon, 1)], undefined, Date.now() - 600_000);
    const after = await eventually(async () => {
      const now = await read();
      return now.over300s > before.over300s && now;
    }, 60_000);
    expect(after.over300s - before.over300s).toBe(1);
    expect(after.sum - before.sum).toBeGreaterThanOrEqual(600);
  });
});
