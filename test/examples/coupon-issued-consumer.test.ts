import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consumeIssued } from '../../examples/coupon-issued-consumer.ts';
import { resetGroupToEnd } from '../../ops/verify/group-offsets.ts';
import { connectionsFromEnv } from '../../platform/connections.ts';
import { kafkaJsClient } from '../../platform/kafka-config.ts';
import type { CouponIssued } from '../../schemas/contracts.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';

describe('the example downstream consumer (examples/coupon-issued-consumer.ts)', () => {
  it('hands over each committed coupon once, skips a repeated event id, and never sees an aborted transaction', async () => {
    const connections = connectionsFromEnv(process.env);
    const serde = new Serde(connections.registry);
    await serde.register(TOPICS.issued);
    const groupId = `example-consumer-${randomUUID()}`;
    await resetGroupToEnd(connections.kafka, groupId, TOPICS.issued);

    // One coupon far above the fixtures' ids: one key, one partition, the records' order kept.
    const couponId = 8_000_000_000 + Math.floor(Math.random() * 1_000_000);
    const coupon = (userId: number): CouponIssued => ({ eventId: randomUUID(), couponId, userId, userCouponId: userId, requestedAt: Date.now(), issuedAt: Date.now() });
    const [a, b, aborted] = [coupon(1), coupon(2), coupon(3)];
    const producer = kafkaJsClient(connections.kafka).producer({ kafkaJS: { transactionalId: `example-consumer-test-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 } });
    await producer.connect();
    try {
      const write = async (values: CouponIssued[], commit: boolean): Promise<void> => {
        const transaction = await producer.transaction();
        await transaction.send({ topic: TOPICS.issued, messages: values.map((v) => ({ key: recordKey(v.couponId), value: serde.encode(TOPICS.issued, v) })) });
        await (commit ? transaction.commit() : transaction.abort());
      };
      await write([aborted], false);
      // `a` twice: what a consumer sees when the processor re-emits an outcome after a replay.
      await write([a, b, a], true);
    } finally {
      await producer.disconnect();
    }

    const issued: CouponIssued[] = [];
    const duplicates: string[] = [];
    const running = await consumeIssued({ connections, groupId, onIssued: (c) => void issued.push(c), onDuplicate: (c) => void duplicates.push(c.eventId) });
    try {
      await eventually(() => issued.length + duplicates.length >= 3, 60_000);
    } finally {
      await running.stop();
    }
    expect(issued).toEqual([a, b]);
    expect(duplicates).toEqual([a.eventId]);
  });
});
