/**
 * The admin API of bulk grants against the real stack: a gzipped NDJSON upload streamed into a
 * grant (bearer token, invalid lines reported by line number), its status and counts, its
 * per-user result as CSV matching the ledger, an idempotent re-upload, and the refusals (no token,
 * a JSON body, an upload over GATEWAY_GRANT_MAX_BYTES, an unknown grant), the listing of grants, and
 * a granted user's request status, which Redis keeps no status hash for.
 */
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayApp } from '../../gateway/deps.ts';
import type { GatewayConfig } from '../../gateway/config.ts';
import { Gate } from '../../gateway/gate.ts';
import { grantEventId } from '../../gateway/grant/grant-id.ts';
import type { GrantReport } from '../../gateway/grant/grant-service.ts';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import type { ServiceProcess } from '../../ops/run/service-process.ts';
import { grantHoldMember, holdMember, redisKeys } from '../../schemas/redis-keys.ts';
import { ADMIN_AUTH, createCoupon, inspectRedis, startGateway } from '../support/gateway-harness.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { pool } from '../support/requests.ts';

const MAX_BYTES = 100_000;
let app: GatewayApp;
let config: GatewayConfig;
let db: pg.Pool;
let processor: ServiceProcess;

beforeAll(async () => {
  db = pool();
  processor = await ProcessorProcess.start({ instanceId: `grant-api-${randomUUID().slice(0, 8)}` });
  await processor.ready();
  // The processor's Redis, so the grant's gate and the decided statuses are one.
  ({ app, config } = await startGateway({ REDIS_URL: endpointsFromEnv().redisUrl, GATEWAY_GRANT_MAX_BYTES: String(MAX_BYTES) }));
});

afterAll(async () => {
  await app?.close();
  await processor?.stop('SIGTERM');
  await db?.end();
});

const statusOf = async (couponId: number, userId: number) => (await app.inject({ method: 'GET', url: `/api/coupons/${couponId}/issue/${userId}` })).json() as Record<string, unknown>;

const upload = (couponId: number, body: Buffer | string, query = '', headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/api/admin/coupons/${couponId}/grants${query}`, headers: { ...ADMIN_AUTH, 'content-type': 'application/x-ndjson', ...headers }, payload: body });

describe('POST /api/admin/coupons/:id/grants', () => {
  it('streams a gzipped NDJSON upload into a grant, reports invalid lines, and serves its status and per-user result', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 30 });
    const lines = [...Array.from({ length: 40 }, (_, i) => JSON.stringify({ userId: 500 + i, segment: 'gold' })), '{"userId": -1}', 'not json', JSON.stringify({ userId: 500 })];
    const body = zlib.gzipSync(lines.join('\n'));
    const grantId = `api-${randomUUID().slice(0, 8)}`;

    const answer = await upload(couponId, body, `?grantId=${grantId}&waitSeconds=60`, { 'content-type': 'application/gzip' });
    expect(answer.statusCode, answer.body).toBe(202);
    expect(answer.headers.location).toBe(`/api/admin/grants/${grantId}`);
    const report = answer.json() as GrantReport;
    expect(report.grant).toMatchObject({ id: grantId, couponId, status: 'DONE', linesRead: 43, invalidLines: 2 });
    expect(report.grant.counts).toEqual({ users: 40, issued: 30, rejected: {}, failed: 0, refused: { SOLD_OUT: 10 }, pending: 0 });
    expect(report.invalidLines).toEqual([
      { line: 41, reason: 'user id -1 is not a positive integer' },
      { line: 42, reason: 'not a JSON object' },
    ]);

    const status = await app.inject({ method: 'GET', url: `/api/admin/grants/${grantId}`, headers: ADMIN_AUTH });
    expect(status.json()).toEqual(report.grant);

    const csv = await app.inject({ method: 'GET', url: `/api/admin/grants/${grantId}/results`, headers: ADMIN_AUTH });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = csv.body.trimEnd().split('\n');
    expect(header).toBe('user_id,line,result,reason,user_coupon_id,event_id,decided_at');
    expect(rows).toHaveLength(40);
    const { rows: ledger } = await db.query<{ user_id: string; user_coupon_id: string }>("SELECT user_id, user_coupon_id FROM issue_outcomes WHERE coupon_id = $1 AND outcome = 'ISSUED' ORDER BY user_id", [couponId]);
    const issued = rows.map((r) => r.split(',')).filter((f) => f[2] === 'ISSUED');
    expect(issued.map((f) => [f[0], f[4]])).toEqual(ledger.map((l) => [l.user_id, l.user_coupon_id]));

    // The processor keeps no status of a grant's users: the gateway answers them from the ledger.
    const redis = inspectRedis(config);
    try {
      expect(await redis.hmget(redisKeys.statuses(couponId), ...rows.map((r) => r.split(',')[0]!))).toEqual(rows.map(() => null));
    } finally {
      redis.disconnect();
    }
    const [firstIssued] = issued;
    expect(await statusOf(couponId, Number(firstIssued![0]))).toMatchObject({ status: 'ISSUED', eventId: firstIssued![5], userCouponId: Number(firstIssued![4]) });
    expect(await statusOf(couponId, 539)).toMatchObject({ status: 'NOT_REQUESTED' });

    // The same upload again: nothing new.
    const again = (await upload(couponId, body, `?grantId=${grantId}`, { 'content-type': 'application/gzip' })).json() as GrantReport;
    expect(again.progress).toMatchObject({ alreadyDecided: 30, reserved: 0, held: 0, produced: 0 });
    expect(again.grant.counts).toEqual(report.grant.counts);
  });

  it('stops with 503 GATE_NOT_OPEN while the coupon has no gate, refusing nobody, and completes when sent again once it is open', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 10 });
    const grantId = `gateless-${randomUUID().slice(0, 8)}`;
    const text = `userId\n${Array.from({ length: 8 }, (_, i) => 900 + i).join('\n')}\n`;
    const redis = inspectRedis(config);
    try {
      const gate = await redis.hgetall(redisKeys.gate(couponId));
      // Redis lost the gate: the reconciler has not rebuilt it yet.
      await redis.del(redisKeys.gate(couponId));
      const stopped = await upload(couponId, text, `?grantId=${grantId}`, { 'content-type': 'text/csv' });
      expect([stopped.statusCode, (stopped.json() as { error: { code: string } }).error.code]).toEqual([503, 'GATE_NOT_OPEN']);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM coupon_grant_users WHERE grant_id = $1', [grantId]);
      expect(rows[0].n).toBe(0);

      await redis.hset(redisKeys.gate(couponId), gate);
      const done = await upload(couponId, text, `?grantId=${grantId}&waitSeconds=60`, { 'content-type': 'text/csv' });
      expect(done.statusCode, done.body).toBe(202);
      expect((done.json() as GrantReport).grant.counts).toEqual({ users: 8, issued: 8, rejected: {}, failed: 0, refused: {}, pending: 0 });
    } finally {
      redis.disconnect();
    }
  });

  it("answers PENDING for a granted user the processor has not decided, and NOT_REQUESTED once the request is released", async () => {
    const couponId = await createCoupon(app, { totalQuantity: 5 });
    const redis = inspectRedis(config);
    try {
      // The gate's part of a grant, with no record produced: nothing can decide it.
      const gate = new Gate(redis);
      const request = { userId: 7, eventId: grantEventId(couponId, 'pending-grant', 7) };
      expect(await gate.reserveGrant(couponId, 'pending-grant', [request], Date.now())).toEqual(['RESERVED']);
      expect(await statusOf(couponId, 7)).toEqual({ couponId, userId: 7, status: 'PENDING', eventId: request.eventId, position: null });
      // The hold names the grant's code, #1 (the coupon's first grant), as the reconciler reads it.
      expect(await gate.release(couponId, 7, request.eventId, grantHoldMember(7, '#1'))).toBe(true);
      expect(await statusOf(couponId, 7)).toEqual({ couponId, userId: 7, status: 'NOT_REQUESTED' });

      // A grant created before the grant-user scheme (migration 006 left it name-sha1) still
      // answers with the event ids its requests were produced with.
      // Grant ids are unique across coupons: one of its own, so that the test runs again on the same stack.
      const olderGrant = `older-grant-${couponId}`;
      await db.query("INSERT INTO coupon_grants (id, coupon_id, event_ids) VALUES ($1, $2, 'name-sha1')", [olderGrant, couponId]);
      const older = { userId: 8, eventId: grantEventId(couponId, olderGrant, 8, 'name-sha1') };
      expect(await gate.reserveGrant(couponId, olderGrant, [older], Date.now(), 'name-sha1')).toEqual(['RESERVED']);
      expect(await redis.zscore(redisKeys.holds(couponId), holdMember(8, older.eventId))).not.toBeNull();
      expect(await statusOf(couponId, 8)).toEqual({ couponId, userId: 8, status: 'PENDING', eventId: older.eventId, position: null });
    } finally {
      redis.disconnect();
    }
  });

  it('runs a paced upload (maxRate: batches of a fifth of a second\'s users, in turn) to the same result', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 15 });
    const grantId = `paced-${randomUUID().slice(0, 8)}`;
    const text = `userId\n${Array.from({ length: 20 }, (_, i) => 700 + i).join('\n')}\n`;
    const answer = await upload(couponId, text, `?grantId=${grantId}&maxRate=20&waitSeconds=60`, { 'content-type': 'text/csv' });
    expect(answer.statusCode, answer.body).toBe(202);
    const report = answer.json() as GrantReport;
    expect(report.grant.counts).toEqual({ users: 20, issued: 15, rejected: {}, failed: 0, refused: { SOLD_OUT: 5 }, pending: 0 });
    // First come, first served by line, batch after batch.
    const csv = await app.inject({ method: 'GET', url: `/api/admin/grants/${grantId}/results`, headers: ADMIN_AUTH });
    const issued = csv.body.trimEnd().split('\n').slice(1).map((r) => r.split(',')).filter((f) => f[2] === 'ISSUED').map((f) => Number(f[0]));
    expect(issued).toEqual(Array.from({ length: 15 }, (_, i) => 700 + i));
  });

  it('names a grant without a grant id by its content, gzipped or not', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 5 });
    const text = 'userId\n1\n2\n';
    const plain = (await upload(couponId, text, '', { 'content-type': 'text/csv' })).json() as GrantReport;
    const gz = (await upload(couponId, zlib.gzipSync(text), '', { 'content-type': 'application/gzip' })).json() as GrantReport;
    expect(plain.grant.id).toMatch(new RegExp(`^c${couponId}-[0-9a-f]{32}$`));
    expect(gz.grant.id).toBe(plain.grant.id);
  });

  it('lists grants newest first, of one coupon with ?coupon, at most ?limit, each as GET /api/admin/grants/:id serves it', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 5 });
    const ids = [`list-a-${randomUUID().slice(0, 8)}`, `list-b-${randomUUID().slice(0, 8)}`];
    for (const [i, grantId] of ids.entries()) {
      const answer = await upload(couponId, `${i + 1}\n${i + 10}\n`, `?grantId=${grantId}&waitSeconds=60`, { 'content-type': 'text/plain' });
      expect((answer.json() as GrantReport).grant.status, answer.body).toBe('DONE');
    }
    const list = async (query: string) => app.inject({ method: 'GET', url: `/api/admin/grants${query}`, headers: ADMIN_AUTH });
    const ofCoupon = (await list(`?coupon=${couponId}`)).json() as { grants: Grant[] };
    expect(ofCoupon.grants.map((g) => g.id)).toEqual([...ids].reverse());
    for (const grant of ofCoupon.grants) expect((await app.inject({ method: 'GET', url: `/api/admin/grants/${grant.id}`, headers: ADMIN_AUTH })).json()).toEqual(grant);
    expect(ofCoupon.grants[0]!.counts).toEqual({ users: 2, issued: 2, rejected: {}, failed: 0, refused: {}, pending: 0 });
    expect(((await list('?limit=1')).json() as { grants: Grant[] }).grants.map((g) => g.id)).toEqual([ids[1]]);
    expect((await list('?limit=0')).json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect((await list('?limit=501')).statusCode).toBe(400);
    expect((await list('?coupon=x')).json()).toMatchObject({ error: { code: 'INVALID_COUPON_ID' } });
    expect((await app.inject({ method: 'GET', url: '/api/admin/grants' })).statusCode).toBe(401);
  });

  it('refuses a missing token, a JSON body, an unusable file, an upload over the maximum, an unknown coupon and grant', async () => {
    const couponId = await createCoupon(app, { totalQuantity: 5 });
    expect((await app.inject({ method: 'POST', url: `/api/admin/coupons/${couponId}/grants`, headers: { 'content-type': 'text/csv' }, payload: '1\n' })).statusCode).toBe(401);
    expect((await upload(couponId, '{"userId":1}', '', { 'content-type': 'application/json' })).statusCode).toBe(415);
    expect((await upload(couponId, 'name,email\nx,y\n', '', { 'content-type': 'text/csv' })).json()).toMatchObject({ error: { code: 'INVALID_GRANT_FILE' } });
    expect((await upload(couponId, '1\n'.repeat(MAX_BYTES), '', { 'content-type': 'text/plain' })).json()).toMatchObject({ error: { code: 'GRANT_TOO_LARGE' } });
    expect((await upload(couponId, zlib.gzipSync('1\n'.repeat(MAX_BYTES)), `?grantId=bomb-${randomUUID().slice(0, 8)}`, { 'content-type': 'application/gzip' })).statusCode).toBe(413);
    expect((await upload(couponId, '1\n', '?grantId=no%20spaces', { 'content-type': 'text/plain' })).json()).toMatchObject({ error: { code: 'INVALID_GRANT_ID' } });
    expect((await upload(couponId, '1\n', '?maxRate=0', { 'content-type': 'text/plain' })).json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect((await upload(9_000_000_000_000, '1\n', `?grantId=nowhere-${randomUUID().slice(0, 8)}`, { 'content-type': 'text/plain' })).json()).toMatchObject({ error: { code: 'COUPON_NOT_FOUND' } });
    expect((await app.inject({ method: 'GET', url: '/api/admin/grants/nope', headers: ADMIN_AUTH })).statusCode).toBe(404);
  });
});
