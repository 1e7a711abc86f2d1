import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readCommittedRange } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';

describe('readCommittedRange', () => {
  // The reconciler reads a sale's pending requests this way while the sale goes on. A consume
  // that waited its timeout for every record returned only with 10,000 of them: minutes at this rate.
  it('returns the range asked for while its partition keeps receiving records', async () => {
    const db = pool();
    const producer = await new RequestProducer().connect();
    let streaming = true;
    let stream: Promise<void> = Promise.resolve();
    try {
      const coupon = await createCoupon(db, 10);
      const sent = await producer.send(Array.from({ length: 5 }, (_, i) => request(coupon, i + 1)));
      const { partition } = sent[0]!;
      stream = (async () => {
        for (let user = 100; streaming; user++) {
          await producer.send([request(coupon, user)]);
          await sleep(20);
        }
      })();
      const records = await readCommittedRange(TOPICS.requests, new Map([[partition, sent[0]!.offset]]), (r) => r.key?.toString() === String(coupon), {
        until: new Map([[partition, sent[4]!.offset + 1]]),
      });
      expect(records.map((r) => r.offset)).toEqual(sent.map((s) => s.offset));
    } finally {
      streaming = false;
      await stream;
      await producer.disconnect();
      await db.end();
    }
  }, 60_000);
});
