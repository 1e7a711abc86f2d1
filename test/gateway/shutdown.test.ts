/**
 * SIGTERM on `npm run gateway`'s process: it stops accepting connections, answers the requests in
 * flight (their records still reach Kafka), flushes the producer and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../ops/run/free-port.ts';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { loadConfig } from '../../gateway/config.ts';
import { eventually } from '../support/eventually.ts';
import { ADMIN_AUTH, gatewayTestEnv, inspectRedis, RequestLog } from '../support/gateway-harness.ts';

const IN_FLIGHT = 20;

let child: ChildProcess;
let output = '';
let exited: Promise<number | null>;
let base: string;
let adminBase: string;
let redis: Redis | Cluster;
let requests: RequestLog;

beforeAll(async () => {
  requests = await RequestLog.open();
  const [port, adminPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  adminBase = `http://127.0.0.1:${adminPort}`;
  // A long linger keeps produced requests waiting in the producer, i.e. in flight, for a second.
  const env = gatewayTestEnv({ GATEWAY_PORT: String(port), GATEWAY_ADMIN_PORT: String(adminPort), GATEWAY_KAFKA_LINGER_MS: '1000', LOG_LEVEL: 'info' });
  redis = inspectRedis(loadConfig(env));
  child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await eventually(async () => (await fetch(`${base}/healthz`)).ok, 60_000, 200);
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  redis?.disconnect();
});

describe('graceful shutdown', () => {
  it('answers the requests in flight, flushes their records and exits 0', async () => {
    const created = await fetch(`${adminBase}/api/admin/coupons`, { method: 'POST', headers: { ...ADMIN_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shutdown', totalQuantity: 100 }) });
    expect(created.status).toBe(201);
    const couponId = ((await created.json()) as { id: number }).id;

    let answered = 0;
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) =>
      fetch(`${base}/api/coupons/${couponId}/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: i + 1 }) }).then(async (r) => {
        answered++;
        return { status: r.status, body: (await r.json()) as { eventId?: string } };
      }),
    );
    // Every request has passed the gate and waits for its delivery report.
    await eventually(async () => Number(await redis.get(redisKeys.reserved(couponId))) === IN_FLIGHT, 10_000, 10);
    expect(answered).toBe(0);

    child.kill('SIGTERM');
    await eventually(() => fetch(`${base}/healthz`).then(() => false, () => true), 10_000, 20);

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(IN_FLIGHT).fill(202));
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/"msg":"stopped"/);

    const records = await requests.recordsOf(couponId);
    expect(new Set(records.map((r) => r.eventId))).toEqual(new Set(answers.map((a) => a.body.eventId)));
  });
});
