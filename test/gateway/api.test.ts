/**
 * The gateway's HTTP contract against the real stack: issue answers and what they leave in Redis
 * and Kafka, the status endpoint (Redis first, ledger fallback), the admin API, and the
 * operational endpoints.
 */
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { packPendingStatus, packTerminalStatus } from '../../schemas/status-value.ts';
import { eventually } from '../support/eventually.ts';
import { statusOf } from '../support/statuses.ts';
import {
  ADMIN_AUTH,
  createCoupon,
  gateState,
  inspectRedis,
  JSON_HEADERS,
  RequestLog,
  startGateway,
  type TestGateway,
} from '../support/gateway-harness.ts';
import { recordKey } from '../../schemas/record-key.ts';
import type { TerminalOutcome } from '../../schemas/outcomes.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PARTITIONS = 6;

let gw: TestGateway;
let redis: Redis | Cluster;
let db: pg.Pool;
let requests: RequestLog;

const issue = (couponId: number | string, body: unknown) => gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: JSON.stringify(body) });
const status = (couponId: number, userId: number) => gw.app.inject({ method: 'GET', url: `/api/coupons/${couponId}/issue/${userId}` });

/** Ledger rows exactly as the processor commits them (outcome row, and for ISSUED the coupon and its count). */
async function recordOutcome(couponId: number, userId: number, outcome: TerminalOutcome, reason: string | null, eventId = uuidv7()): Promise<{ eventId: string; userCouponId: number | null }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    let userCouponId: number | null = null;
    if (outcome === 'ISSUED') {
      const { rows } = await client.query<{ id: string }>(
        'INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at, source_partition, source_offset) VALUES ($1, $2, $3, now(), now(), 0, 0) RETURNING id',
        [couponId, userId, eventId],
      );
      userCouponId = Number(rows[0]!.id);
      await client.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [couponId]);
    } else {
      await client.query(
        `INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at)
         VALUES ($1, $2, $3, $4, $5, 0, 0, now())`,
        [eventId, couponId, userId, outcome, reason],
      );
    }
    await client.query('COMMIT');
    return { eventId, userCouponId };
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  gw = await startGateway({ GATEWAY_WATERMARK_REFRESH_MS: '20' });
  redis = inspectRedis(gw.config);
  // Watermarks in the tests' Redis database are fixtures of this file only.
  await redis.del(...Array.from({ length: PARTITIONS }, (_, p) => redisKeys.watermark(p)));
  db = new pg.Pool({ connectionString: gw.config.endpoints.databaseUrl, max: 2 });
  requests = await RequestLog.open();
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  await db?.end();
});

describe('POST /api/coupons/:couponId/issue', () => {
  it('accepts a request: 202 PENDING with a position, one record on Kafka, the user PENDING at the gate', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    const before = Date.now();
    const response = await issue(couponId, { userId: 101 });
    const after = Date.now();

    expect(response.statusCode).toBe(202);
    const body = response.json() as { eventId: string; status: string; position: number };
    expect(Object.keys(body).sort()).toEqual(['eventId', 'position', 'status']);
    expect(body.eventId).toMatch(UUID_V7);
    expect(body.status).toBe('PENDING');

    const records = await requests.recordsOf(couponId);
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record).toMatchObject({ key: recordKey(couponId), eventId: body.eventId, couponId, userId: 101 });
    expect(record.requestedAt).toBeGreaterThanOrEqual(before);
    expect(record.requestedAt).toBeLessThanOrEqual(after);
    // No watermark is published in the test database: the queue counts from the partition's start.
    expect(body.position).toBe(record.offset + 1);

    // The delivery report confirms the request (in the background, once the 202 is on its way):
    // its offset is recorded and nothing is left held.
    const state = await eventually(async () => {
      const confirmed = await gateState(redis, couponId, [101]);
      return confirmed.statuses[101]?.offset !== undefined && (await redis.zcard(redisKeys.holds(couponId))) === 0 ? confirmed : undefined;
    });
    expect(state.reserved).toBe(1);
    expect(state.requesters).toEqual([101]);
    expect(state.statuses[101]).toEqual({ status: 'PENDING', eventId: body.eventId, heldAt: String(record.requestedAt), partition: String(record.partition), offset: String(record.offset) });
    const ttl = await redis.ttl(redisKeys.statuses(couponId));
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });

  it('answers 409 ALREADY_REQUESTED to a repeat and produces nothing for it', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    const first = await issue(couponId, { userId: 7 });
    expect(first.statusCode).toBe(202);
    const again = await issue(couponId, { userId: 7 });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'ALREADY_REQUESTED', message: expect.any(String) } });

    expect(await requests.recordsOf(couponId)).toHaveLength(1);
    const state = await gateState(redis, couponId, [7]);
    expect([state.reserved, state.requesters]).toEqual([1, [7]]);
    expect(state.statuses[7]?.eventId).toBe((first.json() as { eventId: string }).eventId);
  });

  it('answers 409 SOLD_OUT once the quantity is reserved, leaving the gate as it was', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 2 });
    expect((await issue(couponId, { userId: 1 })).statusCode).toBe(202);
    expect((await issue(couponId, { userId: 2 })).statusCode).toBe(202);
    const late = await issue(couponId, { userId: 3 });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toEqual({ error: { code: 'SOLD_OUT', message: expect.any(String) } });
    // A user who was accepted is told so, even after the sell-out.
    expect((await issue(couponId, { userId: 1 })).json()).toMatchObject({ error: { code: 'ALREADY_REQUESTED' } });

    const state = await gateState(redis, couponId, [1, 2, 3]);
    expect([state.reserved, state.requesters]).toEqual([2, [1, 2]]);
    expect(state.statuses[3]).toBeUndefined();
    expect((await requests.recordsOf(couponId)).map((r) => r.userId).sort()).toEqual([1, 2]);
  });

  it('answers 404 COUPON_NOT_FOUND for a coupon the gate does not know', async () => {
    const response = await issue(Number.MAX_SAFE_INTEGER, { userId: 1 });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'COUPON_NOT_FOUND', message: expect.any(String) } });
    expect(await redis.exists(redisKeys.requesters(Number.MAX_SAFE_INTEGER), redisKeys.reserved(Number.MAX_SAFE_INTEGER))).toBe(0);
  });

  it('answers 503 GATE_NOT_OPEN, not 404, for a coupon that exists while its gate is missing, and takes requests once it is open', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    const gate = await redis.hgetall(redisKeys.gate(couponId));
    // Redis lost the gate (or priming failed at creation): Postgres still has the coupon.
    await redis.del(redisKeys.gate(couponId));
    const refused = await issue(couponId, { userId: 1 });
    expect([refused.statusCode, (refused.json() as { error: { code: string } }).error.code]).toEqual([503, 'GATE_NOT_OPEN']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await redis.exists(redisKeys.requesters(couponId), redisKeys.holds(couponId))).toBe(0);
    // Asked again (the coupon is known now, without Postgres): the same answer.
    expect((await issue(couponId, { userId: 1 })).statusCode).toBe(503);
    // The reconciler (or `gate rebuild`) opens it again.
    await redis.hset(redisKeys.gate(couponId), gate);
    expect((await issue(couponId, { userId: 1 })).statusCode).toBe(202);
  });

  it('answers 409 COUPON_NOT_ACTIVE before the window opens and after it closes', async () => {
    const hour = 3_600_000;
    const future = await createCoupon(gw.app, { totalQuantity: 5, startsAt: new Date(Date.now() + hour).toISOString() });
    const past = await createCoupon(gw.app, { totalQuantity: 5, startsAt: new Date(Date.now() - 2 * hour).toISOString(), endsAt: new Date(Date.now() - hour).toISOString() });
    for (const couponId of [future, past]) {
      const response = await issue(couponId, { userId: 5 });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({ error: { code: 'COUPON_NOT_ACTIVE', message: expect.any(String) } });
      expect(await gateState(redis, couponId, [5])).toEqual({ reserved: 0, requesters: [], statuses: {} });
    }
  });
});

describe('GET /api/coupons/:couponId/issue/:userId', () => {
  it('tells a PENDING request its queue position from the produced offset and the published watermark', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 50 });
    // Six requests ahead of user 11 in the coupon's partition: its offset is at least 6 even on a
    // fresh topic, so a watermark 5 below it is a real offset.
    for (const userId of [101, 102, 103, 104, 105, 106]) expect((await issue(couponId, { userId })).statusCode).toBe(202);
    const accepted = (await issue(couponId, { userId: 11 })).json() as { eventId: string };
    const record = (await requests.recordsOf(couponId)).find((r) => r.userId === 11);

    // The position is known once the gateway has recorded the offset (in the background of the 202).
    await eventually(async () => ((await status(couponId, 11)).json() as { position: number | null }).position !== null);
    expect((await status(couponId, 11)).json()).toEqual({ couponId, userId: 11, status: 'PENDING', eventId: accepted.eventId, position: record!.offset + 1 });

    const watermark = record!.offset - 5;
    await redis.set(redisKeys.watermark(record!.partition), watermark);
    expect((await status(couponId, 11)).json()).toMatchObject({ status: 'PENDING', position: 5 });
    // Later requests of the partition get positions from it in their 202 too, once the gateway
    // has re-read the watermarks (every GATEWAY_WATERMARK_REFRESH_MS).
    let nextUser = 12;
    await eventually(async () => {
      const userId = nextUser++;
      const { position } = (await issue(couponId, { userId })).json() as { position: number };
      const offset = Number(await eventually(async () => (await statusOf(redis, couponId, userId)).offset, 5000, 20));
      expect(position).toBe(offset - watermark);
      return true;
    }, 5000, 20);

    // The next in line. (A watermark at or past the record sends the status endpoint to the ledger,
    // which a processor of another test may have written: see the ledger test below.)
    await redis.set(redisKeys.watermark(record!.partition), record!.offset - 1);
    expect((await status(couponId, 11)).json()).toMatchObject({ status: 'PENDING', position: 1 });
  });

  it('reads the terminal statuses the processor publishes in Redis', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    const eventId = uuidv7();
    await redis.hset(redisKeys.statuses(couponId), {
      21: packTerminalStatus({ outcome: 'ISSUED', eventId, userCouponId: 555, reason: null }),
      22: packTerminalStatus({ outcome: 'REJECTED', eventId, userCouponId: null, reason: 'ALREADY_ISSUED' }),
      23: packTerminalStatus({ outcome: 'FAILED', eventId, userCouponId: null, reason: 'unprocessable' }),
    });

    expect((await status(couponId, 21)).json()).toEqual({ couponId, userId: 21, status: 'ISSUED', eventId, userCouponId: 555 });
    expect((await status(couponId, 22)).json()).toEqual({ couponId, userId: 22, status: 'REJECTED', eventId, reason: 'ALREADY_ISSUED' });
    expect((await status(couponId, 23)).json()).toEqual({ couponId, userId: 23, status: 'FAILED', eventId, reason: 'unprocessable' });
  });

  it('falls back to the Postgres ledger when Redis has no status, and says NOT_REQUESTED when neither has one', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    const issued = await recordOutcome(couponId, 31, 'ISSUED', null);
    const rejected = await recordOutcome(couponId, 32, 'REJECTED', 'SOLD_OUT');
    const failed = await recordOutcome(couponId, 33, 'FAILED', 'poison record');
    // A later rejection of a repeated request does not hide the coupon the user holds.
    await recordOutcome(couponId, 31, 'REJECTED', 'ALREADY_ISSUED');

    expect((await status(couponId, 31)).json()).toEqual({ couponId, userId: 31, status: 'ISSUED', eventId: issued.eventId, userCouponId: issued.userCouponId });
    expect((await status(couponId, 32)).json()).toEqual({ couponId, userId: 32, status: 'REJECTED', eventId: rejected.eventId, reason: 'SOLD_OUT' });
    expect((await status(couponId, 33)).json()).toEqual({ couponId, userId: 33, status: 'FAILED', eventId: failed.eventId, reason: 'poison record' });
    const never = await status(couponId, 34);
    expect(never.statusCode).toBe(200);
    expect(never.json()).toEqual({ couponId, userId: 34, status: 'NOT_REQUESTED' });

    // Redis, when it has a status, is asked first.
    await redis.hset(redisKeys.statuses(couponId), 32, packPendingStatus(rejected.eventId, Date.now()));
    expect((await status(couponId, 32)).json()).toMatchObject({ status: 'PENDING', position: null });
  });

  it('answers from the ledger while Redis still says PENDING, once the record is processed or the status is old', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 5 });
    // The processor decided three requests, but its status writes never reached Redis. (Statuses
    // are written here rather than produced: a processor of another test could decide real records.)
    const [processed, old, fresh] = [uuidv7(), uuidv7(), uuidv7()];
    const issued = await recordOutcome(couponId, 41, 'ISSUED', null, processed);
    await recordOutcome(couponId, 42, 'REJECTED', 'SOLD_OUT', old);
    await recordOutcome(couponId, 43, 'ISSUED', null, fresh);
    const now = Date.now();
    await redis.hset(redisKeys.statuses(couponId), {
      41: packPendingStatus(processed, now, { partition: 0, offset: 0 }),
      42: packPendingStatus(old, now),
      43: packPendingStatus(fresh, now),
    });
    await redis.del(redisKeys.watermark(0));
    for (const userId of [41, 42, 43]) expect((await status(couponId, userId)).json()).toMatchObject({ status: 'PENDING' });

    // 41: the processor's watermark reached its record.
    await redis.set(redisKeys.watermark(0), 0);
    expect((await status(couponId, 41)).json()).toEqual({ couponId, userId: 41, status: 'ISSUED', eventId: processed, userCouponId: issued.userCouponId });
    // 42: PENDING for longer than GATEWAY_STATUS_LEDGER_AFTER_MS.
    await redis.hset(redisKeys.statuses(couponId), 42, packPendingStatus(old, Date.now() - 60_000));
    expect((await status(couponId, 42)).json()).toEqual({ couponId, userId: 42, status: 'REJECTED', eventId: old, reason: 'SOLD_OUT' });
    // 43: neither yet — Redis answers.
    expect((await status(couponId, 43)).json()).toMatchObject({ status: 'PENDING', eventId: fresh });
  });
});

describe('admin API', () => {
  it('creates a coupon in Postgres and opens its gate', async () => {
    const startsAt = '2030-05-01T10:00:00.000Z';
    const endsAt = '2030-05-01T11:00:00.000Z';
    const response = await gw.app.inject({ method: 'POST', url: '/api/admin/coupons', headers: ADMIN_AUTH, payload: { name: 'Spring sale', totalQuantity: 300, startsAt, endsAt } });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: number; createdAt: string };
    expect(body).toEqual({ id: expect.any(Number), name: 'Spring sale', totalQuantity: 300, startsAt, endsAt, createdAt: expect.any(String) });
    expect(response.headers.location).toBe(`/api/admin/coupons/${body.id}`);

    const { rows } = await db.query('SELECT name, total_quantity, issued_quantity, starts_at, ends_at FROM coupons WHERE id = $1', [body.id]);
    expect(rows).toEqual([{ name: 'Spring sale', total_quantity: 300, issued_quantity: 0, starts_at: new Date(startsAt), ends_at: new Date(endsAt) }]);
    expect(await redis.hgetall(redisKeys.gate(body.id))).toEqual({ total: '300', startsAt: String(Date.parse(startsAt)), endsAt: String(Date.parse(endsAt)) });
  });

  it('opens the window now and leaves it open-ended by default', async () => {
    const before = Date.now();
    const couponId = await createCoupon(gw.app, { totalQuantity: 1 });
    const gate = await redis.hgetall(redisKeys.gate(couponId));
    expect(Number(gate.startsAt)).toBeGreaterThanOrEqual(before);
    expect(Number(gate.startsAt)).toBeLessThanOrEqual(Date.now());
    expect(gate.endsAt).toBe('0');
  });

  it('reports live figures from the gate and the ledger', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 10 });
    // As if seven requests had passed the gate and the processor had decided four of them.
    await redis.set(redisKeys.reserved(couponId), 7);
    await recordOutcome(couponId, 41, 'ISSUED', null);
    await recordOutcome(couponId, 42, 'ISSUED', null);
    await recordOutcome(couponId, 43, 'REJECTED', 'SOLD_OUT');
    await recordOutcome(couponId, 44, 'FAILED', 'unprocessable');

    const response = await gw.app.inject({ method: 'GET', url: `/api/admin/coupons/${couponId}`, headers: ADMIN_AUTH });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: couponId, totalQuantity: 10, gateOpen: true, reserved: 7, remaining: 3, issued: 2, pending: 3, rejected: 1, failed: 1 });
  });

  it('answers 404 for an unknown coupon and 400 for a malformed id', async () => {
    const missing = await gw.app.inject({ method: 'GET', url: `/api/admin/coupons/${Number.MAX_SAFE_INTEGER}`, headers: ADMIN_AUTH });
    expect([missing.statusCode, missing.json()]).toEqual([404, { error: { code: 'COUPON_NOT_FOUND', message: expect.any(String) } }]);
    const malformed = await gw.app.inject({ method: 'GET', url: '/api/admin/coupons/abc', headers: ADMIN_AUTH });
    expect([malformed.statusCode, (malformed.json() as { error: { code: string } }).error.code]).toEqual([400, 'INVALID_COUPON_ID']);
  });
});

describe('operational endpoints', () => {
  it('reports health and readiness', async () => {
    const health = await gw.app.inject({ method: 'GET', url: '/healthz' });
    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { ready: true, checks: { redis: 'ok', kafka: 'ok', registry: 'ok' } }]);
  });

  it('exposes Prometheus metrics: request counts by outcome and status, dependencies up, latency buckets from 1 ms to 10 s, process metrics', async () => {
    const couponId = await createCoupon(gw.app, { totalQuantity: 1 });
    await issue(couponId, { userId: 1 });
    await issue(couponId, { userId: 2 });
    const response = await gw.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    const count = (outcome: string, status: number): number =>
      Number(new RegExp(`^coupon_gateway_requests_total\\{route="/api/coupons/:couponId/issue",outcome="${outcome}",status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('accepted', 202)).toBeGreaterThanOrEqual(1);
    expect(count('sold_out', 409)).toBeGreaterThanOrEqual(1);
    for (const dependency of ['redis', 'kafka', 'registry']) expect(text).toContain(`coupon_gateway_dependency_up{dependency="${dependency}"} 1\n`);
    expect(text).toMatch(/^coupon_gateway_request_duration_seconds_bucket\{le="0\.001",route="\/api\/coupons\/:couponId\/issue"\} \d+$/m);
    expect(text).toMatch(/^coupon_gateway_request_duration_seconds_bucket\{le="10",route="\/api\/coupons\/:couponId\/issue"\} \d+$/m);
    expect(text).toMatch(/^coupon_gateway_stage_duration_seconds_count\{stage="produce"\} [1-9]\d*$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \S+$/m);
    expect(text).not.toMatch(/route="\/metrics"/);
  });

  it('answers unknown routes with the same error shape', async () => {
    const response = await gw.app.inject({ method: 'DELETE', url: '/api/coupons/1/issue' });
    expect([response.statusCode, response.json()]).toEqual([404, { error: { code: 'NOT_FOUND', message: 'no route for DELETE /api/coupons/1/issue' } }]);
  });
});
