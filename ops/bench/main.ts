/**
 * `npm run bench -- --out FILE`: every benchmark in one invocation on the running stack, a table
 * on stdout (progress on stderr), the result as JSON. `--help` lists the options.
 */
import fs from 'node:fs';
import { BenchContext } from './context.ts';
import { measureKafka } from './limits-kafka.ts';
import { measurePostgresCopy } from './limits-postgres.ts';
import { EXIT, UsageError } from '../cli/args.ts';
import { HELP, parseBenchArgs, type BenchOptions } from './options.ts';
import { measureProcessor } from './processor-throughput.ts';
import { renderTable, slowestLimit, type BenchResult, type LimitsResult } from './report.ts';
import { round } from './stats.ts';
import { collectVersions } from './versions.ts';
import { measureBurst } from './burst.ts';
import { measureGateway } from './gateway-load.ts';
import { measureE2e } from './e2e-latency.ts';
import { measureHotCoupon } from './hot-coupon.ts';
import { measureScale } from './scale.ts';
import { measureGrant } from './grant.ts';
import { baselineOf, relativeCpu, type Baseline } from './baseline.ts';

async function measureLimits(ctx: BenchContext, rows: number): Promise<LimitsResult> {
  ctx.progress('limits', `COPY of ${rows.toLocaleString('en-US')} rows into an indexed scratch table`);
  const pg = await measurePostgresCopy(ctx, rows);
  ctx.progress('limits', `${Math.round(pg).toLocaleString('en-US')} rows/s; producing and consuming ${rows.toLocaleString('en-US')} records on a scratch topic`);
  const kafka = await measureKafka(ctx, rows);
  ctx.progress('limits', `produce ${Math.round(kafka.produceMsgsPerS).toLocaleString('en-US')} msgs/s, consume ${Math.round(kafka.consumeMsgsPerS).toLocaleString('en-US')} msgs/s`);
  return {
    pg_copy_rows_per_s: round(pg),
    kafka_produce_msgs_per_s: round(kafka.produceMsgsPerS),
    kafka_consume_msgs_per_s: round(kafka.consumeMsgsPerS),
    rows,
    record_bytes: kafka.recordBytes,
  };
}

/** The baseline, read before the run: a bad file is found in a second, not after the run. */
function readBaseline(file: string): Baseline {
  try {
    return baselineOf(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  } catch (err) {
    // Unreadable, not JSON, or not a bench run's (BaselineError): a bad option either way.
    throw new UsageError(`--baseline ${file}: ${(err as Error).message}`);
  }
}

async function run(opts: BenchOptions, baseline: Baseline | undefined): Promise<BenchResult> {
  const ctx = await BenchContext.open();
  try {
    const wants = (s: BenchOptions['only'][number]): boolean => opts.only.includes(s);
    const result: BenchResult = {
      started_at: new Date().toISOString(),
      versions: await collectVersions(ctx),
      limits: null,
      processor: null,
      burst: null,
      gateway: null,
      e2e: null,
      hot_coupon: null,
      scale: null,
      grant: null,
      invariants_ok: true,
      invariants: ctx.invariants,
      cpu: ctx.cpuPhases,
      relative_cpu: null,
    };
    ctx.progress('bench', `run ${ctx.runId}: ${opts.only.join(', ')}`);
    if (wants('limits')) result.limits = await measureLimits(ctx, opts.limitRecords);
    if (wants('processor')) {
      const p = await measureProcessor(ctx, opts.records, opts.singleRecords);
      result.processor = { ...p, pct_of_limit: result.limits ? round((100 * p.batch_eps) / slowestLimit(result.limits), 1) : null };
    }
    if (wants('burst')) result.burst = await measureBurst(ctx, opts.burstUsers, opts.burstQuantity, Math.min(opts.burstConnections, opts.burstUsers));
    if (wants('gateway')) result.gateway = await measureGateway(ctx, opts.gatewayConcurrency, opts.gatewaySeconds);
    if (wants('e2e')) result.e2e = await measureE2e(ctx, opts.e2eRate, opts.e2eSeconds);
    if (wants('hot-coupon')) {
      const hot = { records: opts.hotRecords, connections: opts.hotConnections, seconds: opts.hotSeconds, spreadRecordsPerS: result.processor?.batch_eps ?? null };
      result.hot_coupon = await measureHotCoupon(ctx, hot);
    }
    if (wants('scale')) result.scale = await measureScale(ctx, opts.scaleRecords);
    if (wants('grant')) {
      const p = result.processor;
      const rates = p === null ? null : { batchEps: p.batch_eps, drainEps: p.records / p.batch_drain_s };
      result.grant = await measureGrant(ctx, opts.grantUsers, opts.grantSaleRate, rates, opts.grantMaxRate);
    }
    if (baseline) result.relative_cpu = relativeCpu(result, baseline);
    result.invariants_ok = ctx.invariants.every((c) => c.held);
    return result;
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  let baseline: Baseline | undefined;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
    if (opts !== 'help' && opts.baseline !== undefined) baseline = readBaseline(opts.baseline);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${HELP}\n`);
    return EXIT.usage;
  }
  if (opts === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  const result = await run(opts, baseline);
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${renderTable(result)}\n${opts.out ? `\nJSON written to ${opts.out}\n` : ''}`);
  return result.invariants_ok ? EXIT.ok : EXIT.broken;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] FAILED ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failure);
  },
);
