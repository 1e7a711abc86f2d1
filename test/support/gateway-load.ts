/**
 * Load run of `POST /api/coupons/:couponId/issue` against a running gateway (`npm run gateway`):
 * creates a coupon too large to sell out, drives it with autocannon (every request a new user),
 * and prints accepted requests/s, latency percentiles, the answers by status, and the mean time of
 * each step of an accepted request from the gateway's own stage histogram.
 *
 *   GATEWAY_URL=http://127.0.0.1:8080 ADMIN_TOKEN=... npx tsx test/support/gateway-load.ts [seconds=15] [connections=100]
 */
import { createRequire } from 'node:module';

interface Histogram {
  average: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}

interface AutocannonResult {
  duration: number;
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}

type Autocannon = (options: { url: string; connections: number; duration: number; requests: AutocannonRequest[] }) => Promise<AutocannonResult>;

// autocannon ships no type declarations; the shape used here is declared above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const base = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const seconds = Number(process.argv[2] ?? 15);
const connections = Number(process.argv[3] ?? 100);

async function stageSums(): Promise<Map<string, { sum: number; count: number }>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const stages = new Map<string, { sum: number; count: number }>();
  for (const [, kind, stage, value] of text.matchAll(/^coupon_gateway_stage_duration_seconds_(sum|count)\{stage="(\w+)"\} (\S+)$/gm)) {
    const entry = stages.get(stage!) ?? { sum: 0, count: 0 };
    if (kind === 'sum') entry.sum = Number(value);
    else entry.count = Number(value);
    stages.set(stage!, entry);
  }
  return stages;
}

async function main(): Promise<void> {
  const created = await fetch(`${base}/api/admin/coupons`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'load run', totalQuantity: 2_000_000_000 }),
  });
  if (created.status !== 201) throw new Error(`creating the coupon answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: number };

  const before = await stageSums();
  let userId = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: `/api/coupons/${id}/issue`,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: `{"userId":${++userId}}` }),
      },
    ],
  });
  const after = await stageSums();

  const accepted = result.statusCodeStats['202']?.count ?? 0;
  console.log(`coupon ${id}: ${connections} connections for ${result.duration} s`);
  console.log(`accepted (202): ${accepted} = ${(accepted / result.duration).toFixed(0)}/s; all answers: ${JSON.stringify(result.statusCodeStats)}; errors ${result.errors}, timeouts ${result.timeouts}`);
  console.log(`latency ms: p50 ${result.latency.p50}, p97.5 ${result.latency.p97_5}, p99 ${result.latency.p99}, max ${result.latency.max}, mean ${result.latency.average}`);
  for (const [stage, end] of after) {
    const start = before.get(stage) ?? { sum: 0, count: 0 };
    const count = end.count - start.count;
    if (count > 0) console.log(`stage ${stage}: mean ${(((end.sum - start.sum) / count) * 1000).toFixed(2)} ms over ${count}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
