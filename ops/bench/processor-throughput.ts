/**
 * Processor throughput, batch mode against single mode (the old design's one transaction per
 * request) in the same run: each mode drains its own pre-produced input of the same shape (coupons
 * with half as many units as requests) from a fresh consumer group. The rate is the steady state
 * between 10 % and 90 % of the input, from the processor's committed-records counter polled while
 * it drains; the stage times come from its own histogram.
 */
import { outputEnds } from '../verify/outputs.ts';
import { BenchError, type BenchContext } from './context.ts';
import { parseSamples, sumOf } from './prometheus-text.ts';
import type { ProcessorResult, ScenarioName, StageSeconds } from './report.ts';
import { buildRequests, insertCoupons, planInput, writeRequests, type InputPlan } from './request-input.ts';
import { exitedReason, freshGroup, startBenchProcessor, stopService, waitDecided, type Processor } from './services.ts';
import { round, steadyRate, type ProgressSample } from './stats.ts';
import { verifyScenario } from './verify.ts';

type Mode = 'batch' | 'single';

/** One drain: `records` requests over the plan's coupons, decided by one processor in `mode`. */
export interface DrainSpec {
  scenario: ScenarioName;
  /** Names the CPU phase. */
  phase: string;
  mode: Mode;
  records: number;
  plan: InputPlan;
}

export interface DrainRun {
  records: number;
  coupons: number;
  perSecond: number;
  steady: boolean;
  drainS: number;
  stages: StageSeconds;
  transactions: number;
  meanBatchSize: number;
  produceMsgsPerS: number;
  cpuMicrosPerRecord: Record<string, number>;
}

/** Slowest plausible rate per mode: it bounds how long a drain may take before the bench gives up. */
const FLOOR_RATE: Record<Mode, number> = { batch: 500, single: 10 };
const POLL_MS = 200;

async function committedRecords(processors: readonly Processor[]): Promise<number> {
  const counts = await Promise.all(processors.map(async (p) => sumOf(parseSamples(await p.service.metrics()), 'coupon_processor_records_total')));
  return counts.reduce((a, b) => a + b, 0);
}

/** Polls the processors' counters until together they have committed `total` records; returns the readings. */
export async function followDrain(ctx: BenchContext, scenario: ScenarioName, mode: Mode, processors: readonly Processor[], total: number): Promise<ProgressSample[]> {
  const samples: ProgressSample[] = [];
  const deadline = Date.now() + 120_000 + (total / FLOOR_RATE[mode]) * 1000;
  let lastReport = Date.now();
  for (;;) {
    const died = processors.map((p) => exitedReason(p.service)).find(Boolean);
    if (died) throw new BenchError(died);
    // A scrape can fail while a processor's event loop is busy: skip the reading, keep the deadline.
    const done = await committedRecords(processors).catch(() => undefined);
    const at = Date.now();
    if (done !== undefined) {
      samples.push({ at, done });
      if (done >= total) return samples;
      if (at - lastReport >= 5000) {
        ctx.progress(scenario, `${mode}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} committed`);
        lastReport = at;
      }
    }
    if (at > deadline) throw new BenchError(`the ${mode} processor committed ${samples.at(-1)?.done ?? 0} of ${total} records before the deadline`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function stageSeconds(metricsText: string): StageSeconds {
  const samples = parseSamples(metricsText);
  const stage = (name: keyof StageSeconds): number => round(sumOf(samples, 'coupon_processor_stage_duration_seconds_sum', { stage: name }), 2);
  return { decode: stage('decode'), copy: stage('copy'), merge: stage('merge'), produce: stage('produce'), commit: stage('commit') };
}

/** Pre-produces the spec's input, drains it with a fresh processor on a fresh group, checks I1-I4. */
export async function drain(ctx: BenchContext, spec: DrainSpec): Promise<DrainRun> {
  const { scenario, mode, records, plan } = spec;
  const since = await outputEnds(ctx.outputs);
  const groupId = await freshGroup(ctx, `${scenario}-${mode}`);
  const couponIds = await insertCoupons(ctx, `${scenario}-${mode}`, plan.coupons, plan.quantity);
  const requests = buildRequests(couponIds, records);
  ctx.progress(scenario, `${mode}: producing ${records.toLocaleString('en-US')} requests over ${plan.coupons} coupon(s) of ${plan.quantity} to ${ctx.topics.requests}`);
  const produceMsgsPerS = await writeRequests(ctx, requests);

  ctx.progress(scenario, `${mode}: starting a processor on group ${groupId}`);
  const processor = await startBenchProcessor(ctx, groupId, mode);
  let stopped = false;
  try {
    const startedAt = Date.now();
    const { samples, metricsText } = await ctx.measureCpu(spec.phase, async () => {
      const samples = await followDrain(ctx, scenario, mode, [processor], records);
      return { samples, metricsText: await processor.service.metrics() };
    });
    // The counter would also count records someone else produced meanwhile: the ledger has the last word.
    await waitDecided(ctx, processor, couponIds, records, 60_000);
    await stopService(processor.service);
    stopped = true;

    const rate = steadyRate(samples, records, startedAt);
    const metrics = parseSamples(metricsText);
    const transactions = sumOf(metrics, 'coupon_processor_transactions_total', { result: 'committed' });
    const batchCount = sumOf(metrics, 'coupon_processor_batch_size_records_count');
    ctx.progress(scenario, `${mode}: ${Math.round(rate.perSecond).toLocaleString('en-US')} records/s (${rate.steady ? 'steady state' : 'whole run'})`);
    await verifyScenario(ctx, scenario, couponIds, requests.map((r) => r.eventId), since);
    return {
      records,
      coupons: plan.coupons,
      perSecond: rate.perSecond,
      steady: rate.steady,
      drainS: round((samples.at(-1)!.at - startedAt) / 1000, 2),
      stages: stageSeconds(metricsText),
      transactions,
      meanBatchSize: batchCount > 0 ? round(sumOf(metrics, 'coupon_processor_batch_size_records_sum') / batchCount) : 0,
      produceMsgsPerS,
      cpuMicrosPerRecord: ctx.perUnit(spec.phase, 'record', records),
    };
  } finally {
    if (!stopped) await processor.service.stop('SIGKILL');
  }
}

/** Both modes; pct_of_limit is filled in by the caller, which knows the limits. */
export async function measureProcessor(ctx: BenchContext, records: number, singleRecords: number): Promise<Omit<ProcessorResult, 'pct_of_limit'>> {
  const spec = (mode: Mode, n: number): DrainSpec => ({ scenario: 'processor', phase: `processor ${mode}`, mode, records: n, plan: planInput(n) });
  const batch = await drain(ctx, spec('batch', records));
  const single = await drain(ctx, spec('single', singleRecords));
  return {
    records,
    batch_eps: round(batch.perSecond),
    single_eps: round(single.perSecond, 2),
    ratio: round(batch.perSecond / single.perSecond, 2),
    single_records: singleRecords,
    coupons: batch.coupons,
    batch_steady: batch.steady,
    single_steady: single.steady,
    batch_drain_s: batch.drainS,
    single_drain_s: single.drainS,
    stages_s: batch.stages,
    single_stages_s: single.stages,
    transactions: batch.transactions,
    mean_batch_size: batch.meanBatchSize,
    produce_input_msgs_per_s: round(batch.produceMsgsPerS),
    cpu_us_per_record: batch.cpuMicrosPerRecord,
    single_cpu_us_per_record: single.cpuMicrosPerRecord,
  };
}
