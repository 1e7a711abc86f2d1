/**
 * A new coupon's gate opens only once its Postgres row is committed: requests accepted by a gate
 * whose coupon then fails to commit would be promises nobody can keep. The gateway's Postgres
 * connections go through a proxy that holds the transaction's COMMIT, so the moment between the
 * insert and the commit can be looked at.
 */
import type { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { ADMIN_AUTH, inspectRedis, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const target = new URL(endpointsFromEnv().databaseUrl);
const proxy = new TcpProxy(target.hostname, Number(target.port));

let gw: TestGateway;
let redis: Redis | Cluster;
let db: pg.Pool;

beforeAll(async () => {
  await proxy.start();
  gw = await startGateway({ DATABASE_URL: proxy.url(endpointsFromEnv().databaseUrl) });
  redis = inspectRedis(gw.config);
  db = new pg.Pool({ connectionString: endpointsFromEnv().databaseUrl, max: 2 });
});

afterAll(async () => {
  await gw?.app.close();
  redis?.disconnect();
  await db?.end();
  await proxy.stop();
});

/** A simple-query protocol message that is exactly `COMMIT`. */
const isCommit = (chunk: Buffer): boolean => chunk.includes('COMMIT\u0000', 0, 'latin1');
const create = (name: string) => gw.app.inject({ method: 'POST', url: '/api/admin/coupons', headers: ADMIN_AUTH, payload: { name, totalQuantity: 3 } });


/** The last id the coupons' identity sequence handed out, committed or not (sequences are not transactional). */
async function lastCouponId(): Promise<number> {
  const { rows } = await db.query<{ last: string }>(`SELECT last_value AS last FROM coupons_id_seq`);
  return Number(rows[0]!.last);
}

async function committed(couponId: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM coupons WHERE id = $1', [couponId]);
  return rows.length === 1;
}

/** Coupons with ids in (after, upTo] whose gate is open although their row is not committed. */
async function gatesOfUncommittedCoupons(after: number, upTo: number): Promise<number[]> {
  const open: number[] = [];
  for (let id = after + 1; id <= upTo; id++) if ((await redis.exists(redisKeys.gate(id))) === 1 && !(await committed(id))) open.push(id);
  return open;
}

describe('coupon creation', () => {
  it('opens the gate only after the coupon row commits', async () => {
    const before = await lastCouponId();
    const held = proxy.holdWhen(isCommit);
    const answer = create('creation order');
    // A creation in one statement commits with it (no COMMIT of its own) and answers at once.
    if ((await Promise.race([held.then(() => 'held'), answer.then(() => 'answered')])) === 'held') {
      // The insert is done, its commit is held: no gate may be open for the uncommitted coupon.
      expect(await gatesOfUncommittedCoupons(before, await lastCouponId())).toEqual([]);
    }
    proxy.release();
    const response = await answer;
    expect(response.statusCode, response.body).toBe(201);
    const { id } = response.json() as { id: number };
    expect(await committed(id)).toBe(true);
    expect(await redis.hgetall(redisKeys.gate(id))).toMatchObject({ total: '3' });
  });
});
