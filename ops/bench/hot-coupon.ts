/**
 * One hot coupon: every request for the same coupon, so one record key and one partition of the
 * requests topic. First the processor alone drains pre-produced requests (half of them win, as in
 * the processor scenario); then gateway and processor together take a closed-loop load on a coupon
 * that never sells out, and the rate is what got decided end to end: accepted requests over the
 * time from the first request sent to the last outcome committed.
 */
import { outputEnds } from '../verify/outputs.ts';
import { closedLoop } from './closed-loop.ts';
import { CommittedTail } from './committed-tail.ts';
import { BenchError, type BenchContext } from './context.ts';
import { drain } from './processor-throughput.ts';
import type { HotCouponResult } from './report.ts';
import { meanMsBetween } from './prometheus-text.ts';
import { createCoupon, eventIdOf, scrape, UNLIMITED, waitAllDecided, withPipeline } from './services.ts';
import { round } from './stats.ts';
import { verifyScenario } from './verify.ts';

export interface HotCouponOptions {
  records: number;
  connections: number;
  seconds: number;
  /** The processor scenario's many-coupon rate of the same run, if it ran. */
  spreadRecordsPerS: number | null;
}

async function endToEnd(ctx: BenchContext, connections: number, seconds: number) {
  const since = await outputEnds(ctx.outputs);
  const run = await withPipeline(ctx, 'hot-coupon', async ({ gateway, processor, warm }) => {
    const couponId = await createCoupon(gateway, `bench hot coupon ${ctx.runId}`, UNLIMITED);
    const tail = await CommittedTail.open(ctx, await outputEnds(ctx.outputs));
    try {
      ctx.progress('hot-coupon', `gateway + processor: ${connections} connections for ${seconds} s on coupon ${couponId}`);
      const ids: string[] = [];
      let user = 0;
      const before = await scrape(gateway.service);
      const firstAt = Date.now();
      const load = await ctx.measureCpu('hot-coupon e2e', async () => {
        const load = await closedLoop({
          baseUrl: gateway.service.url,
          path: `/api/coupons/${couponId}/issue`,
          connections,
          seconds,
          body: () => `{"userId":${++user}}`,
          onAnswer: (status, body) => {
            if (status === 202) ids.push(eventIdOf(body));
          },
        });
        await tail.waitFor(ids, 120_000 + ids.length);
        return load;
      });
      if (ids.length === 0) throw new BenchError(`no request on the hot coupon was accepted: ${JSON.stringify(load.answers)}`);
      const gatewayStages = meanMsBetween(before, await scrape(gateway.service), 'coupon_gateway_stage_duration_seconds', 'stage');
      const lastOutcome = ids.reduce((m, id) => Math.max(m, tail.seen.get(id)!.at), 0);
      // Requests the clock abandoned in flight may still be accepted: decided before the check.
      await waitAllDecided(gateway, processor, couponId, 60_000);
      return { couponId, warm, ids, load, gatewayStages, seconds: (lastOutcome - firstAt) / 1000 };
    } finally {
      await tail.close();
    }
  });
  await verifyScenario(ctx, 'hot-coupon', [run.warm.couponId, run.couponId], [...run.warm.eventIds, ...run.ids], since);
  return run;
}

export async function measureHotCoupon(ctx: BenchContext, opts: HotCouponOptions): Promise<HotCouponResult> {
  const quantity = Math.max(1, Math.floor(opts.records / 2));
  const alone = await drain(ctx, { scenario: 'hot-coupon', phase: 'hot-coupon processor', mode: 'batch', records: opts.records, plan: { coupons: 1, quantity } });
  const e2e = await endToEnd(ctx, opts.connections, opts.seconds);
  const result: HotCouponResult = {
    records: opts.records,
    quantity,
    processor_records_per_s: round(alone.perSecond),
    processor_steady: alone.steady,
    spread_records_per_s: opts.spreadRecordsPerS,
    mean_batch_size: alone.meanBatchSize,
    stages_s: alone.stages,
    cpu_us_per_record: alone.cpuMicrosPerRecord,
    e2e_connections: opts.connections,
    e2e_seconds: opts.seconds,
    e2e_accepted: e2e.ids.length,
    e2e_accepted_per_s: round(e2e.ids.length / e2e.load.seconds),
    e2e_records_per_s: round(e2e.ids.length / e2e.seconds),
    e2e_p99_ms: e2e.load.latencyMs.p99,
    e2e_gateway_stage_mean_ms: e2e.gatewayStages,
    e2e_cpu_us_per_accepted: ctx.perUnit('hot-coupon e2e', 'accepted request', e2e.ids.length),
  };
  ctx.progress('hot-coupon', `processor ${result.processor_records_per_s} records/s; gateway + processor ${result.e2e_records_per_s} records/s`);
  return result;
}
