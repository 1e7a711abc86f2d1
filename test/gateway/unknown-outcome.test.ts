/**
 * A produce whose outcome is unknown (the delivery timed out: librdkafka's "possibly persisted")
 * is not released as if it had failed: the gateway answers 504 OUTCOME_UNKNOWN and keeps the hold,
 * and the gateway's periodic reconciler settles it by evidence once it is older than the settle
 * bound — confirmed when the record is in Kafka, released when it is not.
 *
 * Runs its own broker (127.0.0.1:19210, controller 19211) and its own Redis (19203): the broker is
 * stopped or frozen, and the reconciler scans the whole of its Redis for holds.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTopics } from '../../ops/provision/topics.ts';
import { kafkaComponent } from '../../ops/stack/kafka.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { eventually } from '../support/eventually.ts';
import { startBroker as startOwnBroker } from '../support/own-broker.ts';
import { createCoupon, gateState, JSON_HEADERS, RequestLog, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { OwnRedis } from '../support/own-redis.ts';
import { plaintextConnection } from '../../platform/kafka-config.ts';

const BROKER = '127.0.0.1:19210';
const broker = kafkaComponent({ name: 'kafka-unknown-outcome', brokerPorts: [19210] });
const ownRedis = new OwnRedis(19203);

let gw: TestGateway;
let redis: Redis;
let requests: RequestLog;

const startBroker = (): Promise<void> => startOwnBroker(broker);

const brokerPid = (): number => readPid(broker.processNames[0]!)!;

beforeAll(async () => {
  await Promise.all([ownRedis.start(), broker.prepare()]);
  await startBroker();
  await provisionTopics(plaintextConnection(BROKER), 6);
  requests = await RequestLog.open(plaintextConnection(BROKER));
  gw = await startGateway({
    KAFKA_BROKERS: BROKER,
    REDIS_URL: ownRedis.url,
    GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: '1500',
    GATEWAY_REDIS_COMMAND_TIMEOUT_MS: '1000',
    // Just above message timeout + command timeout, so the test waits seconds, not the default 13 s.
    GATEWAY_HOLD_SETTLE_MS: '3000',
    GATEWAY_RECONCILE_INTERVAL_MS: '300',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal',
  });
  redis = ownRedis.client();
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  const pid = readPid(broker.processNames[0]!);
  if (pid && isAlive(pid)) process.kill(pid, 'SIGCONT');
  await broker.stop();
  await ownRedis.stop();
});

const issueTo = (couponId: number) => (userId: number) => gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });

describe('unknown produce outcome', () => {
  it('keeps the hold while the broker is frozen mid-send, then settles it by what reached Kafka', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = issueTo(couponId);
    expect((await issue(1)).statusCode).toBe(202);

    process.kill(brokerPid(), 'SIGSTOP');
    let answer;
    try {
      answer = await issue(2);
      expect(answer.statusCode, answer.body).toBe(504);
      expect(answer.json()).toMatchObject({ error: { code: 'OUTCOME_UNKNOWN' } });
      // Not released: the unit and the user stay held.
      expect(await redis.zcard(redisKeys.holds(couponId))).toBe(1);
      expect((await gateState(redis, couponId, [])).requesters).toEqual([1, 2]);
    } finally {
      process.kill(brokerPid(), 'SIGCONT');
    }

    // The broker wakes up with the produce request in its socket and may write it after all.
    const eventId = (await gateState(redis, couponId, [2])).statuses[2]!.eventId!;
    await eventually(async () => (await redis.zcard(redisKeys.holds(couponId))) === 0, 60_000, 200);
    const landed = (await requests.recordsOf(couponId)).some((r) => r.eventId === eventId);
    const state = await gateState(redis, couponId, [2]);
    if (landed) {
      // Confirmed: the unit stays reserved and the request stays PENDING for the processor.
      expect([state.reserved, state.requesters]).toEqual([2, [1, 2]]);
      expect(state.statuses[2]).toMatchObject({ status: 'PENDING', eventId });
    } else {
      expect([state.reserved, state.requesters, state.statuses[2]]).toEqual([1, [1], undefined]);
    }
    console.info(`frozen broker: the timed-out record ${landed ? 'landed and was confirmed' : 'did not land and was released'}`);
  });

  it('releases held requests whose records never reached the stopped broker, so their users can request again', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = issueTo(couponId);
    expect((await issue(1)).statusCode).toBe(202);

    await broker.stop();
    const during = await Promise.all([2, 3, 4].map(issue));
    for (const response of during) expect(response.statusCode, response.body).toBe(504);
    expect((await gateState(redis, couponId, [])).reserved).toBe(4);
    await startBroker();

    // Nothing of theirs is in Kafka: once older than the settle bound, the reconciler releases them.
    await eventually(async () => {
      const state = await gateState(redis, couponId, [2, 3, 4]);
      return state.reserved === 1 && state.requesters.join() === '1' && Object.keys(state.statuses).length === 0;
    }, 60_000, 200);
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);

    for (const userId of [2, 3, 4]) {
      const again = await eventually(async () => {
        const r = await issue(userId);
        return r.statusCode === 202 ? r : undefined;
      }, 60_000, 200);
      expect(again.statusCode).toBe(202);
    }
    const records = await requests.recordsOf(couponId);
    expect(records.map((r) => r.userId).sort()).toEqual([1, 2, 3, 4]);
    expect((await gateState(redis, couponId, [])).reserved).toBe(4);
  });
});
