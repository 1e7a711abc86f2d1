/**
 * Who may call what: the admin bearer token, and end-user JWTs (HS256 secret, or keys from a JWKS
 * endpoint). Refused requests leave the gate untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, createCoupon, gateState, inspectRedis, JSON_HEADERS, RequestLog, startGateway, TEST_ADMIN_TOKEN, type TestGateway } from '../support/gateway-harness.ts';

const SECRET = 'gateway-test-jwt-secret-of-32-chars!';

function expectUnauthorized(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }): void {
  expect(response.statusCode).toBe(401);
  expect(response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="coupon-gateway"/);
}

describe('admin token', () => {
  let gw: TestGateway;
  let disabled: TestGateway;

  beforeAll(async () => {
    [gw, disabled] = await Promise.all([startGateway(), startGateway({ ADMIN_TOKEN: '' })]);
  });

  afterAll(async () => {
    await gw?.app.close();
    await disabled?.app.close();
  });

  const create = (app: TestGateway['app'], headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/admin/coupons', headers: { ...JSON_HEADERS, ...headers }, payload: { name: 'auth test', totalQuantity: 1 } });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token' }],
    ['the token with another scheme', { authorization: `Basic ${TEST_ADMIN_TOKEN}` }],
    ['the token without a scheme', { authorization: TEST_ADMIN_TOKEN }],
    ['a prefix of the token', { authorization: `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    expectUnauthorized(await create(gw.app, headers));
    expectUnauthorized(await gw.app.inject({ method: 'GET', url: '/api/admin/coupons/1', headers }));
  });

  it('checks the token before looking at the body', async () => {
    const response = await gw.app.inject({ method: 'POST', url: '/api/admin/coupons', headers: { 'content-type': 'text/plain' }, payload: 'junk' });
    expectUnauthorized(response);
  });

  it('lets the right token through', async () => {
    expect((await create(gw.app, ADMIN_AUTH)).statusCode).toBe(201);
  });

  it('refuses everything when ADMIN_TOKEN is not configured', async () => {
    expectUnauthorized(await create(disabled.app, ADMIN_AUTH));
  });
});

describe('end-user JWT (HS256 secret)', () => {
  let gw: TestGateway;
  let redis: Redis | Cluster;
  let couponId: number;
  let requests: RequestLog;

  const token = (sub: string, options: { secret?: string; expiresAt?: number | string } = {}): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? '5m')
      .sign(new TextEncoder().encode(options.secret ?? SECRET));
  const issue = (body: unknown, authorization?: string) =>
    gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: { ...JSON_HEADERS, ...(authorization && { authorization }) }, payload: JSON.stringify(body) });
  const status = (userId: number, authorization?: string) =>
    gw.app.inject({ method: 'GET', url: `/api/coupons/${couponId}/issue/${userId}`, ...(authorization && { headers: { authorization } }) });

  beforeAll(async () => {
    gw = await startGateway({ GATEWAY_JWT_SECRET: SECRET });
    requests = await RequestLog.open();
    redis = inspectRedis(gw.config);
    couponId = await createCoupon(gw.app, { totalQuantity: 10 });
  });

  afterAll(async () => {
    await gw?.app.close();
    redis?.disconnect();
  });

  it('refuses missing, malformed, forged, unsigned and expired tokens with 401, touching nothing', async () => {
    const expired = await token('5', { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const cases = [
      undefined,
      'Bearer',
      'Bearer not-a-jwt',
      `Basic ${await token('5')}`,
      `Bearer ${await token('5', { secret: 'another-secret-that-is-32-chars-long' })}`,
      `Bearer ${new UnsecuredJWT({}).setSubject('5').encode()}`,
      `Bearer ${expired}`,
      `Bearer ${await token('alice')}`,
    ];
    for (const authorization of cases) {
      expectUnauthorized(await issue({ userId: 5 }, authorization));
      expectUnauthorized(await status(5, authorization));
    }
    expect((await issue({ userId: 5 }, `Bearer ${expired}`)).json()).toMatchObject({ error: { message: 'the token has expired' } });
    expect(await gateState(redis, couponId, [5])).toEqual({ reserved: 0, requesters: [], statuses: {} });
  });

  it("refuses another user's id with 403 and takes the token's user otherwise", async () => {
    const user5 = `Bearer ${await token('5')}`;
    const forbidden = await issue({ userId: 6 }, user5);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    expect((await gateState(redis, couponId, [5, 6])).reserved).toBe(0);

    const implicit = await issue({}, user5);
    expect(implicit.statusCode).toBe(202);
    const explicit = await issue({ userId: 7 }, `Bearer ${await token('7')}`);
    expect(explicit.statusCode).toBe(202);

    const records = await requests.recordsOf(couponId);
    expect(records.map((r) => r.userId).sort()).toEqual([5, 7]);
    expect((await gateState(redis, couponId, [])).requesters).toEqual([5, 7]);

    expect((await status(5, user5)).json()).toMatchObject({ userId: 5, status: 'PENDING', eventId: (implicit.json() as { eventId: string }).eventId });
    const peek = await status(7, user5);
    expect([peek.statusCode, (peek.json() as { error: { code: string } }).error.code]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('end-user JWT (JWKS endpoint)', () => {
  let gw: TestGateway;
  let jwks: http.Server;
  let couponId: number;
  const keys = generateKeyPair('RS256');
  const otherKeys = generateKeyPair('RS256');

  const token = async (sub: string, privateKey: CryptoKey): Promise<string> =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setSubject(sub).setIssuer('test-idp').setExpirationTime('5m').sign(privateKey);
  const issue = (userId: number, authorization: string) =>
    gw.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: { ...JSON_HEADERS, authorization }, payload: { userId } });

  beforeAll(async () => {
    const jwk = { ...(await exportJWK((await keys).publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    gw = await startGateway({ GATEWAY_JWKS_URL: url, GATEWAY_JWT_ISSUER: 'test-idp' });
    couponId = await createCoupon(gw.app, { totalQuantity: 10 });
  });

  afterAll(async () => {
    await gw?.app.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('accepts a token signed with a published key and refuses one signed with any other', async () => {
    expect((await issue(8, `Bearer ${await token('8', (await keys).privateKey)}`)).statusCode).toBe(202);
    expectUnauthorized(await issue(9, `Bearer ${await token('9', (await otherKeys).privateKey)}`));
    const hs256 = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('9').setIssuer('test-idp').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    expectUnauthorized(await issue(9, `Bearer ${hs256}`));
  });
});
