/**
 * A grant whose gate call times out after Redis ran it (Redis stalled past the client's command
 * timeout: the reservation happened, the answer was lost) goes on: the chunk is tried again, its
 * users answer HELD and are produced once, nothing is reserved twice, and no user is refused.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate, type BatchReserveOutcome, type GrantedRequest } from '../../gateway/gate.ts';
import { GrantProducer } from '../../gateway/grant/grant-producer.ts';
import { uploadGrant } from '../../gateway/grant/grant-runner.ts';
import { GrantStore, grantPoolConfig } from '../../gateway/grant/grant-store.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { grantableCoupon } from '../support/grants.ts';

/** A gate whose first reservation runs and then fails as a command timeout does. */
class StallingGate extends Gate {
  stalls = 1;

  override async reserveGrant(couponId: number, grantId: string, requests: readonly GrantedRequest[], nowMs: number): Promise<BatchReserveOutcome[]> {
    const outcomes = await super.reserveGrant(couponId, grantId, requests, nowMs);
    if (this.stalls-- > 0) throw new Error('Command timed out');
    return outcomes;
  }
}

const endpoints = endpointsFromEnv();
let redis: Redis;
let db: pg.Pool;
let producer: GrantProducer;

beforeAll(async () => {
  redis = new Redis(endpoints.redisUrl);
  db = new pg.Pool(grantPoolConfig(endpoints.databaseUrl, 'grant-gate-retry-test'));
  producer = await GrantProducer.start(kafkaConnectionFromEnv(), registryConnectionFromEnv());
});

afterAll(async () => {
  await producer?.close();
  await db?.end();
  redis?.disconnect();
});

async function* lines(users: number): AsyncGenerator<string> {
  yield 'userId';
  for (let u = 1; u <= users; u++) yield String(u);
}

describe('a grant at a stalling gate', () => {
  it('tries the timed-out chunk again: every user produced once, the unit reserved once', async () => {
    const gate = new StallingGate(redis);
    const couponId = await grantableCoupon(db, gate, 100);
    const grantId = `retry-${randomUUID().slice(0, 8)}`;
    const deps = { gate, producer, store: new GrantStore(db), log: pino({ level: 'silent' }) };
    const upload = await uploadGrant(lines(60), deps, { couponId, grantId, batchSize: 25, gateChunk: 10 });
    expect(gate.stalls).toBeLessThan(0);
    expect(upload.progress).toMatchObject({ users: 60, produced: 60, reserved: 50, held: 10, refused: 0 });
    expect(await gate.figures(couponId)).toEqual({ primed: true, reserved: 60 });
  });
});
