/**
 * What a broker or dependency fault does to one processor, survived in the process as Kafka
 * Streams does: a producer fenced once (an epoch bump by the coordinator, e.g. after a transaction
 * timeout) is replaced; a start while the registry is down waits for it; statuses reach Redis
 * even when Redis was down at start-up, and an ISSUED status is never overwritten.
 */
import fs from 'node:fs';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../ops/verify/invariants.ts';
import { outputEnds, readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { statusOf } from '../support/statuses.ts';
import { eventually } from '../support/eventually.ts';
import { allDecided } from '../support/ledger.ts';
import { sample } from '../support/metrics.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';

const endpoints = endpointsFromEnv();

describe('processor recovering in-process', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let redis: Redis;
  let since: OutputOffsets;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    redis = new RedisClient(endpoints.redisUrl);
    since = await outputEnds();
  });

  afterAll(async () => {
    redis.disconnect();
    await producer.disconnect();
    await db.end();
  });

  it('replaces a fenced producer and goes on, without exiting and exactly once', async () => {
    const transactionalId = `recover-fenced-${Date.now()}`;
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'recover-fenced', env: { PROCESSOR_TRANSACTIONAL_ID: transactionalId } })).ready();
    try {
      const coupon = await createCoupon(db, 150);
      const first = await producer.send(Array.from({ length: 100 }, (_, i) => request(coupon, i + 1)));
      await eventually(() => allDecided(db, first.map((r) => r.eventId)), 60_000, 100);

      // Another producer initialises the same transactional.id once and goes away: the epoch is
      // bumped under the processor, as the coordinator does after a transaction timeout.
      const intruder = kafkaJsClient(kafkaConnectionFromEnv(), { logLevel: KafkaJS.logLevel.NOTHING }).producer({
        kafkaJS: { transactionalId, idempotent: true },
      });
      await intruder.connect();
      await intruder.disconnect();

      const second = await producer.send(Array.from({ length: 100 }, (_, i) => request(coupon, 1000 + i)));
      const ids = [...first, ...second].map((r) => r.eventId);
      await eventually(() => allDecided(db, ids), 60_000, 100);
      expect(processor.child.exitCode).toBeNull();
      // Decided in Postgres comes before the unit's Kafka transaction: the fencing may be met just after.
      await eventually(async () => sample(await processor.metrics(), 'coupon_processor_producer_resets_total') >= 1, 30_000, 100);
      await eventually(async () => (await checkInvariants(db, [coupon], ids, await readOutputs(producer.serde, since))).every((r) => r.held), 30_000, 500);
    } finally {
      expect(await processor.stop('SIGTERM')).toBe(0);
    }
  });

  it('starts while the schema registry is down and begins processing once it is back', async () => {
    const target = new URL(endpoints.schemaRegistryUrl);
    const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
    proxy.cut();
    const processor = await ProcessorProcess.startAlone({ instanceId: 'recover-registry', env: { SCHEMA_REGISTRY_URL: proxy.url(endpoints.schemaRegistryUrl) } });
    const retries = (): number => fs.readFileSync(processor.logFile, 'utf8').split('\n').filter((l) => l.includes(`"pid":${processor.child.pid},`) && l.includes('registering the schemas failed; retrying')).length;
    try {
      // Still starting (retrying again and again), not exited.
      await eventually(() => retries() >= 3, 60_000, 200);
      expect(processor.child.exitCode).toBeNull();
      proxy.restore();
      await processor.ready();
      const coupon = await createCoupon(db, 5);
      const sent = await producer.send([request(coupon, 1)]);
      await eventually(() => allDecided(db, [sent[0]!.eventId]), 60_000, 100);
    } finally {
      await processor.stop('SIGTERM');
      await proxy.stop();
    }
  });

  it('writes statuses once Redis is reachable although it was down at start-up, and never turns ISSUED into anything else', async () => {
    const target = new URL(endpoints.redisUrl);
    const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
    proxy.cut();
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'recover-redis', env: { REDIS_URL: proxy.url(endpoints.redisUrl) } })).ready();
    try {
      const coupon = await createCoupon(db, 5);
      const user = 77;
      const [won] = await producer.send([request(coupon, user)]);
      await eventually(() => allDecided(db, [won!.eventId]), 60_000, 100);
      expect(await statusOf(redis, coupon, user)).toEqual({});

      proxy.restore();
      await eventually(async () => (await statusOf(redis, coupon, user)).status === 'ISSUED', 30_000, 200);

      // A second request of the same user is rejected ALREADY_ISSUED; the status stays ISSUED.
      const [again] = await producer.send([request(coupon, user)]);
      await eventually(() => allDecided(db, [again!.eventId]), 60_000, 100);
      // Statuses are written before the watermark that follows them: once it covers the second
      // request, its status write has happened.
      await eventually(async () => Number(await redis.get(redisKeys.watermark(again!.partition))) >= again!.offset, 30_000, 200);
      expect(await statusOf(redis, coupon, user)).toMatchObject({ status: 'ISSUED', eventId: won!.eventId });
    } finally {
      await processor.stop('SIGTERM');
      await proxy.stop();
    }
  });
});
