/**
 * Bulk grant: `users` users granted a coupon end to end by the operator CLI (file read → every
 * outcome committed), alone on the machine like the processor scenario it is compared with; the
 * same file again (CLI: nothing new is produced), and once more through the admin HTTP endpoint;
 * then a second grant of a quarter as many new users while a flash sale runs over HTTP on the
 * same coupon at `saleRate` req/s. Reported: the grant's throughput against the processor
 * scenario's batch rate of the same run, the re-upload's speed-up, the peak RSS of the CLI and
 * the gateway, what Redis keeps per granted user, the sale's latency before and during the second
 * grant, and that grant's throughput beside the sale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { grantEventId } from '../../gateway/grant/grant-id.ts';
import { TOPIC_PREFIX_VARIABLE } from '../../schemas/topics.ts';
import { startOpsCli } from '../run/ops-cli.ts';
import { outputEnds } from '../verify/outputs.ts';
import { BenchError, type BenchContext } from './context.ts';
import { pacedLoad, type PacedAnswer } from './paced-load.ts';
import { infoField } from './redis-aof.ts';
import type { GrantBenchResult } from './report.ts';
import { createCoupon, eventIdOf, waitAllDecided, withPipeline } from './services.ts';
import { percentile, round } from './stats.ts';
import { verifyScenario } from './verify.ts';

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
  output: { grant: { id: string; status: string; counts: { issued: number } }; progress: { produced: number; alreadyDecided: number; startedAt: number; uploadedAt: number } };
}

/** The grant command as an operator runs it, timed, its peak RSS sampled until it exits. */
async function runCli(ctx: BenchContext, args: string[]): Promise<CliRun> {
  const started = Date.now();
  let peak = 0;
  const { child, exited } = startOpsCli(['grant', ...args, '--json'], { [TOPIC_PREFIX_VARIABLE]: ctx.topicPrefix });
  const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid) ?? 0)), 100);
  const { code, signal, stdout, stderr } = await exited.finally(() => clearInterval(sampler));
  if (code !== 0) throw new BenchError(`grant ${args.join(' ')} ${code === null ? `ended by ${signal}` : `exited ${code}`}\n${stderr}`);
  return { seconds: (Date.now() - started) / 1000, peakRssMb: peak, output: JSON.parse(stdout) as CliRun['output'] };
}

/** Bytes of data Redis holds (INFO memory's used_memory). */
async function redisUsedBytes(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    return Number(infoField(await redis.info('memory'), 'used_memory') ?? NaN);
  } finally {
    redis.disconnect();
  }
}

const latencies = (answers: readonly PacedAnswer[]): number[] => answers.map((a) => a.answeredAt - a.sentAt);

/** Writes users from..to, one id a line under a header. */
async function writeUsers(file: string, from: number, to: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write('userId\n');
  for (let u = from; u <= to; u++) out.write(`${u}\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The processor scenario's rates of the same run: steady (10-90 %) and over its whole drain, records/s. */
export interface ProcessorRates {
  batchEps: number;
  drainEps: number;
}

export async function measureGrant(ctx: BenchContext, users: number, saleRate: number, processor: ProcessorRates | null, maxRate?: number): Promise<GrantBenchResult> {
  const since = await outputEnds(ctx.outputs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grant-'));
  const file = path.join(dir, 'users.csv');
  const besideSale = path.join(dir, 'users-beside-sale.csv');
  const besideSaleUsers = Math.max(1, Math.floor(users / 4));
  try {
    await writeUsers(file, 1, users);
    await writeUsers(besideSale, users + 1, users + besideSaleUsers);

    const run = await withPipeline(ctx, 'grant', async ({ gateway, processor, warm }) => {
      const saleUsers = Math.ceil(saleRate * (BASELINE_S + 600));
      const couponId = await createCoupon(gateway, `bench grant ${ctx.runId}`, Math.min(2_000_000_000, users + besideSaleUsers + saleUsers));
      const grantArgs = (usersFile: string): string[] => ['--coupon', String(couponId), '--users', usersFile, ...(maxRate === undefined ? [] : ['--max-rate', String(maxRate)])];
      let saleUser = users + besideSaleUsers;
      const sale = (seconds: number) => pacedLoad({ baseUrl: gateway.service.url, path: `/api/coupons/${couponId}/issue`, rate: saleRate, seconds, body: () => `{"userId":${++saleUser}}` });
      ctx.progress('grant', `flash sale alone: ${saleRate} req/s for ${BASELINE_S} s on coupon ${couponId}`);
      const baseline = await sale(BASELINE_S);
      await waitAllDecided(gateway, processor, couponId, 120_000);

      ctx.progress('grant', `granting ${users.toLocaleString('en-US')} users (ops grant${maxRate === undefined ? '' : ` --max-rate ${maxRate}`})`);
      const redisBefore = await redisUsedBytes(ctx.endpoints.redisUrl);
      const firstRun = await ctx.measureCpu('grant', () => runCli(ctx, grantArgs(file)));
      if (firstRun.output.grant.status !== 'DONE') throw new BenchError(`the grant ended ${firstRun.output.grant.status}`);
      const redisGrowth = (await redisUsedBytes(ctx.endpoints.redisUrl)) - redisBefore;
      ctx.progress('grant', `granted in ${round(firstRun.seconds)} s; the same file again`);

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
      await waitAllDecided(gateway, processor, couponId, 120_000);
      const decidedAfter = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE coupon_id = $1', [couponId]);

      ctx.progress('grant', `granting ${besideSaleUsers.toLocaleString('en-US')} more users while the sale goes on`);
      let granting = true;
      const second = ctx.measureCpu('grant beside a sale', () => runCli(ctx, grantArgs(besideSale))).finally(() => (granting = false));
      const during: PacedAnswer[] = [];
      while (granting) during.push(...(await sale(SALE_CHUNK_S)).answers);
      const secondRun = await second;
      if (secondRun.output.grant.status !== 'DONE') throw new BenchError(`the grant beside the sale ended ${secondRun.output.grant.status}`);
      const gatewayRss = peakRssMb(gateway.service.child.pid) ?? 0;

      await waitAllDecided(gateway, processor, couponId, 120_000);
      const saleIds = [...baseline.answers, ...during].filter((a) => a.status === 202).map((a) => eventIdOf(a.body));
      return {
        couponId,
        warm,
        grantIds: [grantId, secondRun.output.grant.id],
        firstRun,
        again,
        secondRun,
        httpSeconds,
        gatewayRss,
        baseline: latencies(baseline.answers),
        during: latencies(during),
        saleIds,
        redisGrowth,
        saleRequests: baseline.answers.length + during.length,
        newOutcomes: Number(decidedAfter.rows[0]!.n) - Number(decidedBefore.rows[0]!.n),
      };
    });
    ctx.perUnit('grant', 'user', users);
    ctx.perUnit('grant beside a sale', 'user', besideSaleUsers);
    const [firstGrant, secondGrant] = run.grantIds as [string, string];
    const grantIds = [
      ...Array.from({ length: users }, (_, i) => grantEventId(run.couponId, firstGrant, i + 1)),
      ...Array.from({ length: besideSaleUsers }, (_, i) => grantEventId(run.couponId, secondGrant, users + i + 1)),
    ];
    await verifyScenario(ctx, 'grant', [run.warm.couponId, run.couponId], [...run.warm.eventIds, ...run.saleIds, ...grantIds], since);
    const usersPerS = users / run.firstRun.seconds;
    const result: GrantBenchResult = {
      users,
      max_rate_per_s: maxRate ?? null,
      issued: run.firstRun.output.grant.counts.issued,
      grant_s: round(run.firstRun.seconds, 2),
      grant_users_per_s: round(usersPerS),
      upload_s: round((run.firstRun.output.progress.uploadedAt - run.firstRun.output.progress.startedAt) / 1000, 2),
      vs_processor_batch: processor === null ? null : round(usersPerS / processor.batchEps, 2),
      vs_processor_drain: processor === null ? null : round(usersPerS / processor.drainEps, 2),
      reupload_s: round(run.again.seconds, 2),
      reupload_speedup: round(run.firstRun.seconds / run.again.seconds, 2),
      reupload_new_outcomes: run.newOutcomes,
      reupload_produced: run.again.output.progress.produced,
      http_reupload_s: round(run.httpSeconds, 2),
      beside_sale_users: besideSaleUsers,
      beside_sale_users_per_s: round(besideSaleUsers / run.secondRun.seconds),
      cli_peak_rss_mb: round(Math.max(run.firstRun.peakRssMb, run.again.peakRssMb, run.secondRun.peakRssMb)),
      gateway_peak_rss_mb: round(run.gatewayRss),
      redis_bytes_per_user: round(run.redisGrowth / users),
      sale_rate_per_s: saleRate,
      sale_requests: run.saleRequests,
      sale_p50_ms_before: round(percentile(run.baseline, 0.5), 1),
      sale_p99_ms_before: round(percentile(run.baseline, 0.99), 1),
      sale_p50_ms_during: run.during.length ? round(percentile(run.during, 0.5), 1) : null,
      sale_p99_ms_during: run.during.length ? round(percentile(run.during, 0.99), 1) : null,
    };
    ctx.progress('grant', `${result.grant_users_per_s} users/s; re-upload ${result.reupload_speedup}x faster; beside the sale ${result.beside_sale_users_per_s} users/s, sale p99 ${result.sale_p99_ms_before} ms before, ${result.sale_p99_ms_during} ms during`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
