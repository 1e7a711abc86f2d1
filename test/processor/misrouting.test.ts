/**
 * Requests on another partition than murmur2 of their key: none of a normal run's records (the
 * gateway's client partitions like Java's producer) is counted, and a record produced to an
 * explicitly wrong partition (what a producer with librdkafka's default partitioner does) is
 * counted, logged with its coupon, and still decided as usual.
 */
import fs from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicEnds } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { partitionFor } from '../../schemas/murmur2.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon as createCouponViaApi, JSON_HEADERS, RequestLog, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { allDecided, ledgerRows } from '../support/ledger.ts';
import { sample } from '../support/metrics.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';

const MISROUTED = 'coupon_processor_misrouted_records_total';

describe('misrouted requests', () => {
  let db: pg.Pool;
  let gw: TestGateway;
  let producer: RequestProducer;
  let processor: ProcessorProcess;
  let partitions: number;

  beforeAll(async () => {
    db = pool();
    partitions = (await topicEnds(TOPICS.requests)).size;
    gw = await startGateway();
    producer = await new RequestProducer().connect();
    processor = await (await ProcessorProcess.startAlone({ instanceId: 'misrouting' })).ready();
  });

  afterAll(async () => {
    expect(await processor?.stop('SIGTERM')).toBe(0);
    await producer?.disconnect();
    await gw?.app.close();
    await db?.end();
  });

  it('counts none of the records the gateway produced, which sit where murmur2 of their key says', async () => {
    const requests = await RequestLog.open();
    const coupons: number[] = [];
    for (let i = 0; i < 12; i++) coupons.push(await createCouponViaApi(gw.app, { totalQuantity: 3 }));
    const eventIds: string[] = [];
    for (const coupon of coupons) {
      for (const userId of [1, 2, 3]) {
        const answer = await gw.app.inject({ method: 'POST', url: `/api/coupons/${coupon}/issue`, headers: JSON_HEADERS, payload: JSON.stringify({ userId }) });
        expect(answer.statusCode, answer.body).toBe(202);
        eventIds.push((answer.json() as { eventId: string }).eventId);
      }
    }
    await eventually(() => allDecided(db, eventIds), 60_000);

    const landed = new Set<number>();
    for (const coupon of coupons) {
      for (const r of await requests.recordsOf(coupon)) {
        expect(r.partition, `coupon ${coupon}`).toBe(partitionFor(Buffer.from(r.key), partitions));
        landed.add(r.partition);
      }
    }
    expect(landed.size).toBeGreaterThan(1); // the check saw more than one partition
    expect(sample(await processor.metrics(), MISROUTED)).toBe(0);
  });

  it('counts a request produced to another partition than its key\'s, logs its coupon, and still decides it', async () => {
    const before = sample(await processor.metrics(), MISROUTED);
    const coupon = await createCoupon(db, 1);
    const home = partitionFor(Buffer.from(String(coupon)), partitions);
    const [sent] = await producer.send([request(coupon, 7)], (home + 1) % partitions);
    expect(sent!.partition).not.toBe(home);

    await eventually(() => allDecided(db, [sent!.eventId]), 60_000);
    expect((await ledgerRows(db, [sent!.eventId])).get(sent!.eventId)).toMatchObject({ outcome: 'ISSUED' });
    await eventually(async () => sample(await processor.metrics(), MISROUTED) === before + 1);
    const warning = fs
      .readFileSync(processor.logFile, 'utf8')
      .split('\n')
      .find((l) => l.includes(`"coupon":"${coupon}"`) && l.includes('murmur2'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, partition: sent!.partition, expectedPartition: home, partitions });
  });
});
