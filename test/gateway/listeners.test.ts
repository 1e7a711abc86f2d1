/**
 * The public API and the admin listener (admin API, /metrics) are separate: over real HTTP, each
 * listener answers only its own routes (the other's are 404), the probes answer on both, and
 * closing the app closes both.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListenAddresses } from '../../gateway/listeners.ts';
import { ADMIN_AUTH, startGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let addresses: ListenAddresses;
const url = (a: AddressInfo, path: string): string => `http://127.0.0.1:${a.port}${path}`;

beforeAll(async () => {
  gw = await startGateway();
  addresses = await gw.app.listeners.listen({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await gw?.app.close();
});

const post = (address: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(address, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('listeners', () => {
  it('serve the admin API and /metrics on the admin listener only, the public API on the public one only', async () => {
    expect(addresses.admin.port).not.toBe(addresses.api.port);
    // The admin API is not on the public address, even with the right token.
    expect((await post(url(addresses.api, '/api/admin/coupons'), { name: 'listeners', totalQuantity: 5 }, ADMIN_AUTH)).status).toBe(404);
    const created = await post(url(addresses.admin, '/api/admin/coupons'), { name: 'listeners', totalQuantity: 5 }, ADMIN_AUTH);
    expect(created.status).toBe(201);
    const couponId = ((await created.json()) as { id: number }).id;

    const accepted = await post(url(addresses.api, `/api/coupons/${couponId}/issue`), { userId: 1 });
    expect(accepted.status).toBe(202);
    const notHere = await post(url(addresses.admin, `/api/coupons/${couponId}/issue`), { userId: 2 });
    expect(notHere.status).toBe(404);
    expect(((await notHere.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    expect((await fetch(url(addresses.api, '/metrics'))).status).toBe(404);
    expect((await fetch(url(addresses.api, `/api/admin/coupons/${couponId}`), { headers: ADMIN_AUTH })).status).toBe(404);
    const figures = await fetch(url(addresses.admin, `/api/admin/coupons/${couponId}`), { headers: ADMIN_AUTH });
    expect(((await figures.json()) as { reserved: number }).reserved).toBe(1);
    const metrics = await (await fetch(url(addresses.admin, '/metrics'))).text();
    expect(metrics).toMatch(/coupon_gateway_requests_total\{route="\/api\/coupons\/:couponId\/issue",outcome="accepted",status="202"\} 1/);
  });

  it('answer the probes on both', async () => {
    for (const a of [addresses.api, addresses.admin]) {
      expect((await fetch(url(a, '/healthz'))).status).toBe(200);
      expect((await fetch(url(a, '/readyz'))).status).toBe(200);
    }
  });

  it('both close with the app', async () => {
    const other = await startGateway();
    const open = await other.app.listeners.listen({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 });
    // A keep-alive connection to the admin listener must not hold the close up.
    expect((await fetch(url(open.admin, '/healthz'))).status).toBe(200);
    await other.app.close();
    for (const a of [open.api, open.admin]) await expect(fetch(url(a, '/healthz'))).rejects.toThrow();
  });
});
