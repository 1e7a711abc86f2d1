/**
 * Bulk grant: `users` users granted a coupon end to end by the operator CLI (file read → every
 * outcome committed) while a flash sale runs over HTTP on the same coupon at `saleRate` req/s;
 * then the same file again (CLI: nothing new is produced), and once more through the admin HTTP
 * endpoint. Reported: grant throughput against the processor scenario's batch rate of the same
 * run, the re-upload's speed-up, the peak RSS of the CLI and the gateway, what Redis keeps per
 * granted user, and the sale's latency before and during the grant.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { grantEventId } from '../../gateway/grant/grant-id.ts';
import { TOPIC_PREFIX_VARIABLE } from '../../schemas/topics.ts';
import { outputEnds } from '../verify/outputs.ts';
import { BenchError, type BenchContext } from './context.ts';
import { pacedLoad, type PacedAnswer } from './paced-load.ts';
import type { GrantBenchResult } from './report.ts';
import { createCoupon, eventIdOf, waitAllDecided, withPipeline } from './services.ts';
import { percentile, round } from './stats.ts';
import { verifyScenario } from './verify.ts';

const CLI = fileURLToPath(new URL('../cli/coupon-ops.mjs', import.meta.url));
const SALE_CHUNK_S = 2;
const BASELINE_S = 3;

/** Peak resident set (VmHWM, MiB) of a live process; undefined once it is gone. */
function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

interface CliRun {
  seconds: number;
  peakRssMb: number;
  output: { grant: { id: string; status: string; counts: { issued: number } }; progress: { produced: number; alreadyDecided: number } };
}

/** The grant command as an operator runs it, timed, its peak RSS sampled until it exits. */
function runCli(ctx: BenchContext, args: string[]): Promise<CliRun> {
  const started = Date.now();
  let peak = 0;
  let child: ChildProcess;
  return new Promise<CliRun>((resolve, reject) => {
    child = execFile(process.execPath, [CLI, 'grant', ...args, '--json'], { env: { ...process.env, [TOPIC_PREFIX_VARIABLE]: ctx.topicPrefix }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      clearInterval(sampler);
      if (err) return reject(new BenchError(`grant ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      resolve({ seconds: (Date.now() - started) / 1000, peakRssMb: peak, output: JSON.parse(stdout) as CliRun['output'] });
    });
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid) ?? 0)), 100);
  });
}

/** Bytes of data Redis holds (INFO memory's used_memory). */
async function redisUsedBytes(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
  } finally {
    redis.disconnect();
  }
}

const latencies = (answers: readonly PacedAnswer[]): number[] => answers.map((a) => a.answeredAt - a.sentAt);

export async function measureGrant(ctx: BenchContext, users: number, saleRate: number, processorBatchEps: number | null, maxRate?: number): Promise<GrantBenchResult> {
  const since = await outputEnds(ctx.outputs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grant-'));
  const file = path.join(dir, 'users.csv');
  try {
    const out = fs.createWriteStream(file);
    out.write('userId\n');
    for (let u = 1; u <= users; u++) out.write(`${u}\n`);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));

    const run = await withPipeline(ctx, 'grant', async ({ gateway, processor, warm }) => {
      const saleUsers = Math.ceil(saleRate * (BASELINE_S + 600));
      const couponId = await createCoupon(gateway, `bench grant ${ctx.runId}`, Math.min(2_000_000_000, users + saleUsers));
      let saleUser = users;
      const sale = (seconds: number) => pacedLoad({ baseUrl: gateway.service.url, path: `/api/coupons/${couponId}/issue`, rate: saleRate, seconds, body: () => `{"userId":${++saleUser}}` });
      ctx.progress('grant', `flash sale alone: ${saleRate} req/s for ${BASELINE_S} s on coupon ${couponId}`);
      const baseline = await sale(BASELINE_S);

      ctx.progress('grant', `granting ${users.toLocaleString('en-US')} users (ops grant${maxRate === undefined ? '' : ` --max-rate ${maxRate}`}) while the sale goes on`);
      let granting = true;
      const redisBefore = await redisUsedBytes(ctx.endpoints.redisUrl);
      const first = ctx.measureCpu('grant', () => runCli(ctx, ['--coupon', String(couponId), '--users', file, ...(maxRate === undefined ? [] : ['--max-rate', String(maxRate)])])).finally(() => (granting = false));
      const during: PacedAnswer[] = [];
      while (granting) during.push(...(await sale(SALE_CHUNK_S)).answers);
      const firstRun = await first;
      if (firstRun.output.grant.status !== 'DONE') throw new BenchError(`the grant ended ${firstRun.output.grant.status}`);
      const redisGrowth = (await redisUsedBytes(ctx.endpoints.redisUrl)) - redisBefore;
      ctx.progress('grant', `granted in ${round(firstRun.seconds)} s; the same file again`);

      // The sale's last answers may still be on their way to the ledger; counted now, they would pass for re-upload outcomes.
      await waitAllDecided(gateway, processor, couponId, 120_000);
      const decidedBefore = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE coupon_id = $1', [couponId]);
      const again = await runCli(ctx, ['--coupon', String(couponId), '--users', file]);
      const grantId = firstRun.output.grant.id;

      ctx.progress('grant', 'and through the admin HTTP endpoint');
      const httpStarted = Date.now();
      const response = await fetch(`${gateway.service.adminUrl}/api/admin/coupons/${couponId}/grants?grantId=${grantId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.adminToken}`, 'content-type': 'text/csv' },
        body: fs.createReadStream(file) as unknown as BodyInit,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 202) throw new BenchError(`the HTTP re-upload answered ${response.status}: ${await response.text()}`);
      await response.body?.cancel();
      const httpSeconds = (Date.now() - httpStarted) / 1000;
      const gatewayRss = peakRssMb(gateway.service.child.pid) ?? 0;

      await waitAllDecided(gateway, processor, couponId, 120_000);
      const decidedAfter = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE coupon_id = $1', [couponId]);
      const saleIds = [...baseline.answers, ...during].filter((a) => a.status === 202).map((a) => eventIdOf(a.body));
      return { couponId, warm, grantId, firstRun, again, httpSeconds, gatewayRss, baseline: latencies(baseline.answers), during: latencies(during), saleIds, redisGrowth, saleRequests: baseline.answers.length + during.length, newOutcomes: Number(decidedAfter.rows[0]!.n) - Number(decidedBefore.rows[0]!.n) };
    });
    ctx.perUnit('grant', 'user', users);
    const grantIds = Array.from({ length: users }, (_, i) => grantEventId(run.couponId, run.grantId, i + 1));
    await verifyScenario(ctx, 'grant', [run.warm.couponId, run.couponId], [...run.warm.eventIds, ...run.saleIds, ...grantIds], since);
    const usersPerS = users / run.firstRun.seconds;
    const result: GrantBenchResult = {
      users,
      max_rate_per_s: maxRate ?? null,
      issued: run.firstRun.output.grant.counts.issued,
      grant_s: round(run.firstRun.seconds, 2),
      grant_users_per_s: round(usersPerS),
      vs_processor_batch: processorBatchEps === null ? null : round(usersPerS / processorBatchEps, 2),
      reupload_s: round(run.again.seconds, 2),
      reupload_speedup: round(run.firstRun.seconds / run.again.seconds, 2),
      reupload_new_outcomes: run.newOutcomes,
      reupload_produced: run.again.output.progress.produced,
      http_reupload_s: round(run.httpSeconds, 2),
      cli_peak_rss_mb: round(Math.max(run.firstRun.peakRssMb, run.again.peakRssMb)),
      gateway_peak_rss_mb: round(run.gatewayRss),
      redis_bytes_per_user: round(run.redisGrowth / users),
      sale_rate_per_s: saleRate,
      sale_requests: run.saleRequests,
      sale_p50_ms_before: round(percentile(run.baseline, 0.5), 1),
      sale_p99_ms_before: round(percentile(run.baseline, 0.99), 1),
      sale_p50_ms_during: run.during.length ? round(percentile(run.during, 0.5), 1) : null,
      sale_p99_ms_during: run.during.length ? round(percentile(run.during, 0.99), 1) : null,
    };
    ctx.progress('grant', `${result.grant_users_per_s} users/s; re-upload ${result.reupload_speedup}x faster; sale p99 ${result.sale_p99_ms_before} ms before, ${result.sale_p99_ms_during} ms during`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
