/**
 * Kafka unavailable: a request whose delivery times out may still be written (librdkafka's
 * "possibly persisted"), so it is answered 504 OUTCOME_UNKNOWN and its unit stays held for the
 * reconciler; once Kafka is back new users are accepted. A bulk grant's batch that Kafka did not
 * acknowledge fails (its users are produced again by a re-run). Uses a dedicated single broker (127.0.0.1:19192)
 * started with the stack's own code, so the shared broker other tests use is never stopped.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTopics } from '../../ops/provision/topics.ts';
import { kafkaComponent } from '../../ops/stack/kafka.ts';
import { holdMember, redisKeys } from '../../schemas/redis-keys.ts';
import { eventually } from '../support/eventually.ts';
import { startBroker as startOwnBroker } from '../support/own-broker.ts';
import { createCoupon, gateState, inspectRedis, JSON_HEADERS, RequestLog, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { plaintextConnection } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { GrantProduceError, GrantProducer } from '../../gateway/grant/grant-producer.ts';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { partitionFor } from '../../schemas/murmur2.ts';
import { recordKey } from '../../schemas/record-key.ts';

const BROKER = '127.0.0.1:19192';
// Below Linux's ephemeral port range (32768-60999): a client reconnecting to a port in that range
// can be handed it as its own local port and connect to itself, and the broker then cannot bind it.
const broker = kafkaComponent({ name: 'kafka-outage', brokerPorts: [19192] });

let gw: TestGateway;
let redis: Redis | Cluster;
let requests: RequestLog;

const startBroker = (): Promise<void> => startOwnBroker(broker);

beforeAll(async () => {
  await broker.prepare();
  await startBroker();
  await provisionTopics(plaintextConnection(BROKER), 6);
  requests = await RequestLog.open(plaintextConnection(BROKER));
  // A short delivery timeout so an outage turns into a 503 within about a second and a half;
  // librdkafka logs every failed reconnect as an error, which is the point of this test.
  gw = await startGateway({
    KAFKA_BROKERS: BROKER,
    GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: '1500',
    GATEWAY_READY_TIMEOUT_MS: '1000',
    GATEWAY_RETRY_AFTER_SECONDS: '3',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal',
  });
  redis = inspectRedis(gw.config);
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  await broker.stop();
});

describe('Kafka outage', () => {
  it('answers 504 OUTCOME_UNKNOWN and keeps the reservations (their records may land), accepting others once Kafka is back', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = (userId: number) => gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });
    const users = [1, 2, 3, 4];

    const first = await issue(1);
    expect(first.statusCode).toBe(202);
    const before = await gateState(redis, couponId, users);
    expect([before.reserved, before.requesters]).toEqual([1, [1]]);

    await broker.stop();

    const during = await Promise.all([2, 3, 4].map(issue));
    const unknown = new Map<number, string>();
    for (const [i, response] of during.entries()) {
      expect(response.statusCode, response.body).toBe(504);
      expect(response.json()).toEqual({ error: { code: 'OUTCOME_UNKNOWN', message: expect.stringMatching(/status will say which within \d+ s/) } });
      unknown.set(i + 2, (await gateState(redis, couponId, [i + 2])).statuses[i + 2]!.eventId!);
    }
    // A timed-out delivery is not a failure: the units stay held until the reconciler knows.
    const held = await gateState(redis, couponId, users);
    expect([held.reserved, held.requesters]).toEqual([4, users]);
    expect((await redis.zrange(redisKeys.holds(couponId), 0, -1)).sort()).toEqual([2, 3, 4].map((u) => holdMember(u, unknown.get(u)!)).sort());
    // A repeat is answered from the gate alone.
    expect((await issue(1)).json()).toMatchObject({ error: { code: 'ALREADY_REQUESTED' } });
    expect((await issue(2)).json()).toMatchObject({ error: { code: 'ALREADY_REQUESTED' } });

    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ error: { code: 'NOT_READY' }, checks: { redis: 'ok', registry: 'ok' } });
    expect((ready.json() as { checks: { kafka: string } }).checks.kafka).not.toBe('ok');

    await startBroker();

    // The producer reconnects on its own; a new user is accepted once it has.
    const fifth = await eventually(async () => {
      const r = await issue(5);
      return r.statusCode === 202 ? r : undefined;
    }, 60_000, 200);
    expect((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const after = await gateState(redis, couponId, [...users, 5]);
    expect([after.reserved, after.requesters]).toEqual([5, [...users, 5]]);
    expect(after.statuses[5]).toMatchObject({ status: 'PENDING', eventId: (fifth.json() as { eventId: string }).eventId });

    // Whatever reached the broker is one of the requests the gate holds, never more.
    const records = await requests.recordsOf(couponId);
    expect(new Set(records.map((r) => r.eventId)).size).toBe(records.length);
    for (const r of records) expect(after.statuses[r.userId]?.eventId).toBe(r.eventId);
  });

  it('fails a grant batch whose records Kafka did not acknowledge: a grant never counts one produced without its acknowledgement', async () => {
    const couponId = 9_000_001;
    const partition = partitionFor(Buffer.from(recordKey(couponId)), 6);
    const batch = (users: number[]): CouponIssueRequested[] => users.map((userId) => ({ eventId: randomUUID(), couponId, userId, requestedAt: Date.now(), grant: 'outage-grant' }));
    const producer = await GrantProducer.start(plaintextConnection(BROKER), registryConnectionFromEnv(), { messageTimeoutMs: 1500 });
    try {
      const acknowledged = batch([1, 2, 3]);
      const produced = await producer.sendAll(acknowledged);
      // The coupon's murmur2 partition, and an offset at or past the last of the batch's records.
      expect(produced).toMatchObject({ partition, count: 3 });
      const records = await requests.recordsOf(couponId);
      expect(records.map((r) => r.eventId)).toEqual(acknowledged.map((r) => r.eventId));
      for (const r of records) expect(r.partition === partition && r.offset <= produced!.offset).toBe(true);

      await broker.stop();
      await expect(producer.sendAll(batch([4, 5]))).rejects.toThrow(GrantProduceError);
    } finally {
      await startBroker();
      await producer.close();
    }
  });
});
