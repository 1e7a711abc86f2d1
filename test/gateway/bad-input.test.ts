/**
 * Malformed requests: each gets a 400 with its machine-readable code in the one error shape, none
 * of them touches Redis or Kafka, and the server answers normally afterwards.
 */
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, createCoupon, gateState, inspectRedis, RequestLog, startGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let redis: Redis | Cluster;
let couponId: number;
let requests: RequestLog;

beforeAll(async () => {
  gw = await startGateway();
  redis = inspectRedis(gw.config);
  requests = await RequestLog.open();
  couponId = await createCoupon(gw.app, { totalQuantity: 10 });
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
});

interface BadRequest {
  name: string;
  method?: 'POST' | 'GET';
  /** `{c}` is replaced by the test coupon's id. */
  url?: string;
  headers?: Record<string, string>;
  payload?: string;
  code: string;
}

const json = { 'content-type': 'application/json' };
const ISSUE = '/api/coupons/{c}/issue';

const CASES: BadRequest[] = [
  { name: 'non-numeric coupon id', url: '/api/coupons/abc/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'negative coupon id', url: '/api/coupons/-1/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'zero coupon id', url: '/api/coupons/0/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'fractional coupon id', url: '/api/coupons/1.5/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'coupon id 2^53', url: '/api/coupons/9007199254740992/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'coupon id in exponent form', url: '/api/coupons/1e3/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: 'coupon id with leading zero', url: '/api/coupons/0{c}/issue', headers: json, payload: '{"userId":1}', code: 'INVALID_COUPON_ID' },
  { name: '70-digit coupon id', url: `/api/coupons/${'9'.repeat(70)}/issue`, headers: json, payload: '{"userId":1}', code: 'INVALID_PATH' },
  { name: 'negative user id', headers: json, payload: '{"userId":-5}', code: 'INVALID_USER_ID' },
  { name: 'zero user id', headers: json, payload: '{"userId":0}', code: 'INVALID_USER_ID' },
  { name: 'fractional user id', headers: json, payload: '{"userId":1.5}', code: 'INVALID_USER_ID' },
  { name: 'user id 2^53', headers: json, payload: '{"userId":9007199254740992}', code: 'INVALID_USER_ID' },
  { name: 'user id beyond 2^53 (rounds in JSON)', headers: json, payload: '{"userId":9007199254740993}', code: 'INVALID_USER_ID' },
  { name: 'user id overflowing a double', headers: json, payload: '{"userId":1e400}', code: 'INVALID_USER_ID' },
  { name: 'user id as a string', headers: json, payload: '{"userId":"12"}', code: 'INVALID_USER_ID' },
  { name: 'user id null', headers: json, payload: '{"userId":null}', code: 'INVALID_USER_ID' },
  { name: 'user id missing', headers: json, payload: '{}', code: 'INVALID_USER_ID' },
  { name: 'unknown field', headers: json, payload: '{"userId":1,"quantity":5}', code: 'UNKNOWN_FIELD' },
  { name: 'array body', headers: json, payload: '[{"userId":1}]', code: 'INVALID_BODY' },
  { name: 'null body', headers: json, payload: 'null', code: 'INVALID_BODY' },
  { name: 'number body', headers: json, payload: '42', code: 'INVALID_BODY' },
  { name: 'truncated JSON', headers: json, payload: '{"userId":', code: 'INVALID_JSON' },
  { name: 'not JSON at all', headers: json, payload: 'userId=1', code: 'INVALID_JSON' },
  { name: 'prototype pollution', headers: json, payload: '{"userId":1,"__proto__":{"admin":true}}', code: 'INVALID_JSON' },
  { name: 'empty body with a JSON content type', headers: json, payload: '', code: 'MISSING_BODY' },
  { name: 'no body and no content type', code: 'MISSING_BODY' },
  { name: 'text/plain', headers: { 'content-type': 'text/plain' }, payload: '{"userId":1}', code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'form encoding', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'userId=1', code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'body without a content type', payload: '{"userId":1}', code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'body over the limit', headers: json, payload: JSON.stringify({ userId: 1, padding: 'x'.repeat(4096) }), code: 'BODY_TOO_LARGE' },
  { name: 'status: non-numeric user id', method: 'GET', url: '/api/coupons/{c}/issue/alice', code: 'INVALID_USER_ID' },
  { name: 'status: zero coupon id', method: 'GET', url: '/api/coupons/0/issue/1', code: 'INVALID_COUPON_ID' },
  { name: 'status: user id 2^53', method: 'GET', url: '/api/coupons/{c}/issue/9007199254740992', code: 'INVALID_USER_ID' },
];

const ADMIN_CASES: Array<{ name: string; payload: unknown; code: string }> = [
  { name: 'negative quantity', payload: { name: 'x', totalQuantity: -1 }, code: 'INVALID_TOTAL_QUANTITY' },
  { name: 'missing name', payload: { totalQuantity: 5 }, code: 'INVALID_NAME' },
  { name: 'window ending before it starts', payload: { name: 'x', totalQuantity: 5, startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, code: 'INVALID_WINDOW' },
  { name: 'unknown field', payload: { name: 'x', totalQuantity: 5, issuedQuantity: 5 }, code: 'UNKNOWN_FIELD' },
];

describe('malformed requests', () => {
  it('has a table of at least 20 issue/status cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('$name → 400 $code', async (c) => {
    const response = await gw.app.inject({
      method: c.method ?? 'POST',
      url: (c.url ?? ISSUE).replaceAll('{c}', String(couponId)),
      ...(c.headers && { headers: c.headers }),
      ...(c.payload !== undefined && { payload: c.payload }),
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json() as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    expect(body.error.code).toBe(c.code);
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it.each(ADMIN_CASES)('admin: $name → 400 $code', async (c) => {
    const response = await gw.app.inject({ method: 'POST', url: '/api/admin/coupons', headers: ADMIN_AUTH, payload: c.payload as Record<string, unknown> });
    expect(response.statusCode, response.body).toBe(400);
    expect((response.json() as { error: { code: string } }).error.code).toBe(c.code);
  });

  it('left the gate and the topic untouched, and the server still serves', async () => {
    expect(await gateState(redis, couponId, [1, 12])).toEqual({ reserved: 0, requesters: [], statuses: {} });
    expect(await requests.recordsOf(couponId)).toEqual([]);

    expect((await gw.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ok = await gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: json, payload: '{"userId":1}' });
    expect(ok.statusCode).toBe(202);
    expect((await gateState(redis, couponId, [])).reserved).toBe(1);
  });
});
