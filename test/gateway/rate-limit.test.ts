/**
 * Per-client rate limits of the public API: an address over its burst gets 429 with Retry-After
 * (before its body or token is looked at), another address is not affected, an authenticated user
 * has a bucket of their own, the admin listener is not limited, and every refusal is counted.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../support/metrics.ts';
import { ADMIN_AUTH, createCoupon, JSON_HEADERS, startGateway, type TestGateway } from '../support/gateway-harness.ts';

const SECRET = 'rate-limit-test-jwt-secret-32-chars!';
const token = (sub: string): Promise<string> => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

let gw: TestGateway;
let couponId: number;

beforeAll(async () => {
  // A token every 100 s: no bucket refills while the test runs.
  gw = await startGateway({
    GATEWAY_JWT_SECRET: SECRET,
    GATEWAY_RATE_LIMIT_IP_PER_SECOND: '0.01',
    GATEWAY_RATE_LIMIT_IP_BURST: '6',
    GATEWAY_RATE_LIMIT_USER_PER_SECOND: '0.01',
    GATEWAY_RATE_LIMIT_USER_BURST: '2',
  });
  couponId = await createCoupon(gw.app, { totalQuantity: 100 });
});

afterAll(async () => {
  await gw?.app.close();
});

const issue = async (remoteAddress: string, userId: number) =>
  gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, remoteAddress, headers: { ...JSON_HEADERS, authorization: `Bearer ${await token(String(userId))}` }, payload: { userId } });
const refusals = async (scope: string): Promise<number> => sample((await gw.app.inject({ method: 'GET', url: '/metrics' })).body, 'coupon_gateway_rate_limited_total', `scope="${scope}"`);

describe('rate limits', () => {
  it('give an authenticated user their burst, then 429 with Retry-After', async () => {
    const answers = [await issue('10.0.0.1', 1), await issue('10.0.0.1', 1), await issue('10.0.0.1', 1)];
    expect(answers.map((a) => a.statusCode)).toEqual([202, 409, 429]);
    expect(Number(answers[2]!.headers['retry-after'])).toBeGreaterThan(90);
    expect(answers[2]!.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/this user/) } });
    // Another user from the same address goes on.
    expect((await issue('10.0.0.1', 2)).statusCode).toBe(202);
    expect(await refusals('user')).toBe(1);
  });

  it('give an address its burst, then 429 before its token is even read, leaving other addresses alone', async () => {
    const answers = [];
    for (let user = 10; user < 14; user++) answers.push((await issue('10.0.0.1', user)).statusCode);
    // 10.0.0.1 used 4 of its 6 tokens in the test before.
    expect(answers).toEqual([202, 202, 429, 429]);
    const noToken = await gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, remoteAddress: '10.0.0.1', headers: JSON_HEADERS, payload: 'not even JSON' });
    expect(noToken.statusCode).toBe(429);
    expect(noToken.json()).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/this address/) } });
    expect((await issue('10.0.0.2', 20)).statusCode).toBe(202);
    expect(await refusals('ip')).toBe(3);
  });

  it('leave the admin API alone', async () => {
    for (let i = 0; i < 10; i++) expect((await gw.app.inject({ method: 'GET', url: `/api/admin/coupons/${couponId}`, remoteAddress: '10.0.0.1', headers: ADMIN_AUTH })).statusCode).toBe(200);
  });
});
