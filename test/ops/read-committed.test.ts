import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommittedRange } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';

describe('readCommittedRange', () => {
  let db: pg.Pool;
  let producer: RequestProducer;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await db.end();
  });

  // The reconciler reads a sale's pending requests this way while the sale goes on. A consume
  // that waited its timeout for every record returned only with 10,000 of them: minutes at this rate.
  it('returns the range asked for while its partition keeps receiving records', async () => {
    const coupon = await createCoupon(db, 10);
    const sent = await producer.send(Array.from({ length: 5 }, (_, i) => request(coupon, i + 1)));
    const { partition } = sent[0]!;
    let streaming = true;
    const stream = (async () => {
      for (let user = 100; streaming; user++) {
        await producer.send([request(coupon, user)]);
        await sleep(20);
      }
    })();
    try {
      const records = await readCommittedRange(TOPICS.requests, new Map([[partition, sent[0]!.offset]]), (r) => r.key?.toString() === String(coupon), {
        until: new Map([[partition, sent[4]!.offset + 1]]),
      });
      expect(records.map((r) => r.offset)).toEqual(sent.map((s) => s.offset));
    } finally {
      streaming = false;
      await stream;
    }
  }, 60_000);
});
