/**
 * `gate rebuild` and `gate reconcile` against the real stack: after Redis loses its data, a rebuild
 * restores every gate exactly from Postgres and the requests still pending in Kafka, and the sale
 * continues with exactly the remaining quantity and no user twice; reconcile finds injected drift
 * (a wrong counter, a missing user, a phantom user, an orphan hold) and fixes it. The gate lives in
 * a Redis of the test's own (port 19204, wiped on purpose); a processor of its own, with a group of
 * its own, decides the requests.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../ops/cli/gate.ts';
import { startProcessor, type ServiceProcess } from '../../ops/run/service-process.ts';
import { i6Result } from '../../ops/verify/gate-accounting.ts';
import { resetGroupToEnd } from '../../ops/verify/group-offsets.ts';
import { holdMember, redisKeys } from '../../schemas/redis-keys.ts';
import { packPendingStatus } from '../../schemas/status-value.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon, gateState, JSON_HEADERS, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { allDecided } from '../support/ledger.ts';
import { opsJson, runOps } from '../support/ops-cli.ts';
import { OwnRedis } from '../support/own-redis.ts';
import { pool, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { pino } from 'pino';
import { Gate } from '../../gateway/gate.ts';
import { grantEventId } from '../../gateway/grant/grant-id.ts';
import { expectedAccounting } from '../../gateway/reconcile/accounting.ts';
import { gatherEvidence } from '../../gateway/reconcile/evidence.ts';
import { GateStore } from '../../gateway/reconcile/gate-store.ts';
import { REBUILD_CHUNK, Reconciler } from '../../gateway/reconcile/reconciler.ts';

const ownRedis = new OwnRedis(19204);
const group = `gate-ops-test-${randomUUID()}`;
const kafka = kafkaConnectionFromEnv();
const env = { REDIS_URL: ownRedis.url, PROCESSOR_GROUP_ID: group };

let gw: TestGateway;
let redis: Redis;
let db: pg.Pool;
let processor: ServiceProcess | undefined;

const startOwnProcessor = async (): Promise<void> => {
  processor = await (await startProcessor({ instanceId: 'gate-ops-test', env })).ready();
};

const i6 = (couponIds: number[]) => i6Result({ redis, db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group }, couponIds);

beforeAll(async () => {
  await ownRedis.start();
  db = pool();
  // The group starts at the end: only this test's era of the shared topic is pending for it.
  await resetGroupToEnd(kafka, group, TOPICS.requests);
  await startOwnProcessor();
  gw = await startGateway(env);
  redis = ownRedis.client();
});

afterAll(async () => {
  await gw?.app.close();
  await processor?.stop('SIGTERM');
  redis?.disconnect();
  await db?.end();
  await ownRedis.stop();
});

const issueTo = (couponId: number) => async (userId: number) => {
  const r = await gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });
  return { userId, status: r.statusCode, body: r.json() as { eventId?: string; error?: { code: string } } };
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('gate rebuild', () => {
  it('restores the gate after Redis lost its data, and the sale goes on with exactly the remaining units', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 30 });
    const issue = issueTo(couponId);
    const decidedFirst = await Promise.all(range(1, 12).map(issue));
    expect(decidedFirst.map((a) => a.status)).toEqual(range(1, 12).map(() => 202));
    await eventually(() => allDecided(db, decidedFirst.map((a) => a.body.eventId!)), 60_000, 100);
    // The processor stops: the next requests stay pending in Kafka.
    await processor!.stop('SIGTERM');
    processor = undefined;
    const pendingFirst = await Promise.all(range(13, 20).map(issue));
    expect(pendingFirst.map((a) => a.status)).toEqual(range(13, 20).map(() => 202));

    await redis.flushall();
    // The coupon exists (Postgres): its gate is missing, not the coupon.
    expect([(await issue(21)).status, (await issue(21)).body.error?.code]).toEqual([503, 'GATE_NOT_OPEN']);

    const report = await opsJson<GateReport>(['gate', 'rebuild', '--all'], env);
    const mine = report.coupons.find((c) => c.couponId === couponId)!;
    expect(mine).toMatchObject({ fix: 'applied', gateOpen: true, reserved: { actual: 0, expected: 20 }, requesters: { actual: 0, expected: 20 } });
    const state = await gateState(redis, couponId, []);
    expect([state.reserved, state.requesters]).toEqual([20, range(1, 20)]);
    expect(await redis.hget(redisKeys.gate(couponId), 'total')).toBe('30');
    expect((await i6([couponId])).held).toBe(true);

    // The sale goes on: nobody of the first 20 again, exactly 10 more.
    await startOwnProcessor();
    const rest = await Promise.all(range(1, 50).map(issue));
    expect(rest.filter((a) => a.userId <= 20).map((a) => a.body.error?.code)).toEqual(range(1, 20).map(() => 'ALREADY_REQUESTED'));
    const later = rest.filter((a) => a.status === 202);
    expect(later).toHaveLength(10);
    expect(rest.filter((a) => a.body.error?.code === 'SOLD_OUT')).toHaveLength(20);

    const accepted = [...decidedFirst, ...pendingFirst, ...later].map((a) => a.body.eventId!);
    await eventually(() => allDecided(db, accepted), 90_000, 200);
    const { rows } = await db.query<{ outcome: string; n: string; users: string }>(
      'SELECT outcome, count(*) AS n, count(DISTINCT user_id) AS users FROM issue_outcomes WHERE coupon_id = $1 GROUP BY outcome',
      [couponId],
    );
    // Every accepted request issued, each user once, exactly the quantity.
    expect(rows).toEqual([{ outcome: 'ISSUED', n: '30', users: '30' }]);
  });
});

describe('gate reconcile', () => {
  it('finds injected drift and fixes it', async () => {
    processor ??= await (await startProcessor({ instanceId: 'gate-ops-test', env })).ready();
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = issueTo(couponId);
    const accepted = await Promise.all(range(1, 5).map(issue));
    await eventually(() => allDecided(db, accepted.map((a) => a.body.eventId!)), 60_000, 100);
    expect((await opsJson<GateReport>(['gate', 'reconcile', '--coupon', String(couponId)], env)).drifted).toBe(0);

    // Drift: a counter off, user 3 missing (could ask twice), user 99 phantom (locked out), and an
    // orphan hold of user 77 (a reserve whose request never reached Kafka) older than the settle bound.
    await redis.set(redisKeys.reserved(couponId), 9);
    await redis.srem(redisKeys.requesters(couponId), 3);
    await redis.sadd(redisKeys.requesters(couponId), 99, 77);
    await redis.zadd(redisKeys.holds(couponId), Date.now() - 120_000, holdMember(77, uuidv7()));
    // And user 2 stuck PENDING: the processor's status write was lost.
    await redis.hset(redisKeys.statuses(couponId), 2, packPendingStatus(accepted[1]!.body.eventId!, Date.now()));
    expect((await i6([couponId])).held).toBe(false);

    const found = await runOps(['gate', 'reconcile', '--coupon', String(couponId), '--json'], env);
    expect(found.code).toBe(1);
    const check = (JSON.parse(found.stdout) as GateReport).coupons[0]!;
    // The orphan hold was settled (released: no evidence) before comparing.
    expect(check.settled).toEqual({ confirmed: 0, released: 1 });
    expect(check).toMatchObject({ fix: 'not-asked', reserved: { actual: 8, expected: 5 }, missing: [3], phantom: [99], stalePending: { found: 1, cleared: 0 } });

    const human = await runOps(['gate', 'reconcile', '--coupon', String(couponId), '--fix'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^1 coupons reconciled: every gate matches Postgres and Kafka/);
    expect(human.stdout).toMatch(new RegExp(`^\\s*${couponId}\\s+open\\s+8 -> 5\\s+5\\s+3\\s+99\\s+0\\s+-\\s+1, cleared\\s+applied$`, 'm'));
    expect(await redis.hexists(redisKeys.statuses(couponId), '2')).toBe(0);

    expect((await i6([couponId])).held).toBe(true);
    const state = await gateState(redis, couponId, []);
    expect([state.reserved, state.requesters]).toEqual([5, range(1, 5)]);
    expect((await issue(3)).body.error?.code).toBe('ALREADY_REQUESTED');
    expect((await issue(99)).status).toBe(202);
    expect((await issue(77)).status).toBe(202);
  });
});

describe("settling a grant's holds", () => {
  it("confirms the hold of a grant's request that reached Kafka and releases the one that never did, each named by the grant's code", async () => {
    processor ??= await (await startProcessor({ instanceId: 'gate-ops-test', env })).ready();
    const couponId = await createCoupon(gw.app, { totalQuantity: 10, startsAt: new Date(Date.now() - 600_000).toISOString() });
    const gate = new Gate(redis);
    const grantId = `settle-${randomUUID().slice(0, 8)}`;
    const [reached, lost] = [41, 42].map((userId) => ({ userId, eventId: grantEventId(couponId, grantId, userId) }));
    // Reserved two minutes ago: older than the settle bound.
    expect(await gate.reserveGrant(couponId, grantId, [reached!, lost!], Date.now() - 120_000)).toEqual(['RESERVED', 'RESERVED']);
    expect((await redis.zrange(redisKeys.holds(couponId), 0, -1)).sort()).toEqual(['41:#1', '42:#1']);
    // The grant was killed after producing user 41's request and before producing user 42's.
    const producer = await new RequestProducer().connect();
    try {
      await producer.send([{ ...request(couponId, reached!.userId), eventId: reached!.eventId, grant: grantId }]);
    } finally {
      await producer.disconnect();
    }
    await eventually(() => allDecided(db, [reached!.eventId]), 60_000, 100);

    const reconciler = new Reconciler({ gate, store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 60_000, log: pino({ level: 'silent' }) });
    expect((await reconciler.settleHolds([couponId])).get(couponId)).toEqual({ confirmed: 1, released: 1 });
    expect(await redis.zcard(redisKeys.holds(couponId))).toBe(0);
    expect(await redis.get(redisKeys.reserved(couponId))).toBe('1');
    expect(await redis.smembers(redisKeys.requesters(couponId))).toEqual(['41']);
    expect(await gate.grantOf(couponId, 41)).toBe(grantId);
    expect(await gate.grantOf(couponId, 42)).toBeUndefined();
    expect((await i6([couponId])).held).toBe(true);
    // User 42 is free again.
    expect((await issueTo(couponId)(42)).status).toBe(202);
  });
});

describe('the drift gauge', () => {
  it('counts the same drift as the full accounting: issued, rejected, pending, held and orphan-held requests', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    const issue = issueTo(couponId);
    if (!processor) await startOwnProcessor();
    const decided = await Promise.all(range(1, 4).map(issue));
    // User 2 again, past the gate (another producer): the processor rejects it, ALREADY_ISSUED.
    const producer = await new RequestProducer().connect();
    try {
      const [again] = await producer.send([request(couponId, 2)]);
      await eventually(() => allDecided(db, [...decided.map((a) => a.body.eventId!), again!.eventId]), 60_000, 100);
    } finally {
      await producer.disconnect();
    }
    // The processor stops: users 5-7 stay pending in Kafka; user 6's confirm was lost (held and
    // pending), user 88's reserve never reached Kafka (an orphan hold), and two units leak.
    await processor!.stop('SIGTERM');
    processor = undefined;
    const pending = await Promise.all(range(5, 7).map(issue));
    expect(pending.map((a) => a.status)).toEqual([202, 202, 202]);
    await redis.zadd(redisKeys.holds(couponId), Date.now(), holdMember(6, pending[1]!.body.eventId!), Date.now(), holdMember(88, uuidv7()));
    await redis.incrby(redisKeys.reserved(couponId), 1 + 2);

    const reconciler = new Reconciler({ gate: new Gate(redis), store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 60_000, log: pino({ level: 'silent' }) });
    const snapshot = await new GateStore(redis).snapshot(couponId);
    const evidence = await gatherEvidence({ db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group }, [couponId]);
    const full = snapshot.reserved - expectedAccounting(evidence.decided.get(couponId)!, evidence.pending.get(couponId)!, snapshot.holds).reserved;
    // 4 issued + 3 pending + the orphan hold = 8 units accounted for; 10 reserved.
    expect(full).toBe(2);
    // A first measurement sees no coupon still (it has nothing to compare with); the next one measures it.
    expect((await reconciler.measureDrift()).has(couponId)).toBe(false);
    expect((await reconciler.measureDrift()).get(couponId)).toBe(full);

    // The gate moves (its seq, as every reservation and release moves it; the coupon is sold out
    // here): the next measurement leaves the selling coupon out, the one after it, with the gate
    // still again, measures it.
    await redis.incr(redisKeys.seq(couponId));
    expect((await reconciler.measureDrift()).has(couponId)).toBe(false);
    expect((await reconciler.measureDrift()).get(couponId)).toBe(full);

    // Three of its requests (and maybe others') are pending: bounded at two, the backlog is not
    // read and nothing is measured, the gate still as it is.
    const behind = new Reconciler({ gate: new Gate(redis), store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 60_000, driftMaxBacklog: 2, log: pino({ level: 'silent' }) });
    expect((await behind.measureDrift()).size).toBe(0);
    expect((await behind.measureDrift()).size).toBe(0);
  });
});

describe('rebuilding many missing gates', () => {
  it('goes newest first, chunk by chunk, and stops between chunks when told to, leaving the rest for the next pass — the newest chunk always goes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < REBUILD_CHUNK + 5; i++) ids.push(await createCoupon(gw.app, { totalQuantity: 3 }));
    await redis.del(...ids.map((id) => redisKeys.gate(id)));
    const reconciler = new Reconciler({ gate: new Gate(redis), store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 0, log: pino({ level: 'silent' }) });
    // Told to stop at once (a pass that used its time before rebuilding): the newest chunk still goes.
    const rebuilt = await reconciler.rebuildMissingGates(Date.now(), () => false);
    const newestFirst = [...ids].sort((a, b) => b - a);
    expect(rebuilt.filter((r) => r.fix === 'applied').map((r) => r.couponId).sort((a, b) => b - a)).toEqual(newestFirst.slice(0, REBUILD_CHUNK));
    expect(await Promise.all(newestFirst.map((id) => redis.exists(redisKeys.gate(id))))).toEqual([...Array(REBUILD_CHUNK).fill(1), ...Array(5).fill(0)]);
  });

  it('reads the requests pending in Kafka once a pass, and counts them in the gates of every chunk', async () => {
    const ids: number[] = [];
    for (let i = 0; i < REBUILD_CHUNK + 5; i++) ids.push(await createCoupon(gw.app, { totalQuantity: 3 }));
    const [oldest, newest] = [Math.min(...ids), Math.max(...ids)];
    // The processor stops: two requests of the newest coupon (first chunk) and two of the oldest (second chunk) stay pending.
    await processor?.stop('SIGTERM');
    processor = undefined;
    const accepted = await Promise.all([newest, oldest].flatMap((id) => [1, 2].map(issueTo(id))));
    expect(accepted.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    await redis.del(...ids.map((id) => redisKeys.gate(id)));
    const logged: Array<{ msg: string; pending: number }> = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const reconciler = new Reconciler({ gate: new Gate(redis), store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 0, log });
    const rebuilt = await reconciler.rebuildMissingGates(Date.now());
    // (Gates an earlier test left missing are rebuilt too.)
    expect(rebuilt.filter((r) => r.fix === 'applied').map((r) => r.couponId)).toEqual(expect.arrayContaining(ids));
    for (const id of [newest, oldest]) expect((await gateState(redis, id, [])).reserved).toBe(2);
    // One read of the backlog for both chunks (a bulk grant's backlog is hundreds of thousands of requests).
    expect(logged.filter((l) => l.msg === 'read the pending requests in Kafka').map((l) => l.pending)).toEqual([4]);
    await startOwnProcessor();
    await eventually(() => allDecided(db, accepted.map((a) => a.body.eventId!)), 60_000, 100);
  });

  it('reads a large coupon in a chunk of its own, so the ledger rows read at once stay bounded', async () => {
    const small = await createCoupon(gw.app, { totalQuantity: 3 });
    const large = [await createCoupon(gw.app, { totalQuantity: 100_000 }), await createCoupon(gw.app, { totalQuantity: 100_000 })];
    // As if a bulk grant had issued 60,000 units of each: the chunks go by the coupons' issued counts.
    await db.query('UPDATE coupons SET issued_quantity = 60000 WHERE id = ANY($1::bigint[])', [large]);
    await redis.del(...[small, ...large].map((id) => redisKeys.gate(id)));
    const reconciler = new Reconciler({ gate: new Gate(redis), store: new GateStore(redis), db, kafka, serde: new Serde(registryConnectionFromEnv()), groupId: group, settleMs: 0, log: pino({ level: 'silent' }) });
    // Newest first: the two large coupons are never read together.
    const firstChunk = await reconciler.rebuildMissingGates(Date.now(), () => false);
    expect(firstChunk.map((r) => r.couponId)).toEqual([large[1]]);
    const secondChunk = await reconciler.rebuildMissingGates(Date.now(), () => false);
    expect(secondChunk.map((r) => r.couponId)).toEqual(expect.arrayContaining([large[0], small]));
    expect([...firstChunk, ...secondChunk].every((r) => r.fix === 'applied')).toBe(true);
  });
});

describe('the gateway\'s periodic reconciler', () => {
  it('rebuilds a gate Redis lost once it has been missing for the settle bound, and exports drift and its passes', async () => {
    processor ??= await (await startProcessor({ instanceId: 'gate-ops-test', env })).ready();
    const auto = await startGateway({ ...env, GATEWAY_HOLD_SETTLE_MS: '3000', GATEWAY_RECONCILE_INTERVAL_MS: '300', GATEWAY_DRIFT_CHECK_INTERVAL_MS: '500', GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS: '1500' });
    try {
      const couponId = await createCoupon(auto.app, { totalQuantity: 8 });
      const issue = async (userId: number) => (await auto.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } })).statusCode;
      expect(await Promise.all(range(1, 5).map(issue))).toEqual(range(1, 5).map(() => 202));
      await redis.flushall();
      expect(await issue(6)).toBe(503);

      await eventually(async () => (await redis.exists(redisKeys.gate(couponId))) === 1, 60_000, 200);
      const state = await gateState(redis, couponId, []);
      expect([state.reserved, state.requesters]).toEqual([5, range(1, 5)]);
      expect(await Promise.all(range(1, 9).map(issue))).toEqual([...range(1, 5).map(() => 409), 202, 202, 202, 409]);

      // Two units leak (the counter is raised by hand): the drift gauge says so.
      const metrics = async (): Promise<string> => (await auto.app.inject({ method: 'GET', url: '/metrics' })).body;
      const drift = async (): Promise<string | undefined> => new RegExp(`^coupon_gate_drift_units\\{coupon="${couponId}"\\} (\\S+)$`, 'm').exec(await metrics())?.[1];
      await eventually(async () => (await drift()) === '0', 60_000, 200);
      await redis.incrby(redisKeys.reserved(couponId), 2);
      await eventually(async () => (await drift()) === '2', 60_000, 200);
      const passes = (result: string, text: string): number => Number(new RegExp(`^coupon_gateway_reconcile_passes_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
      const text = await metrics();
      expect(passes('completed', text)).toBeGreaterThan(0);
      expect(passes('abandoned', text)).toBe(0);
    } finally {
      await auto.app.close();
    }
  });
});
