/**
 * End-to-end latency at a steady offered rate: requests for a coupon that never sells out are
 * sent open-loop at `rate` per second while a processor runs, first for RAMP_S (not counted: the
 * pipeline settles into the rate), then for `seconds`; for every request of that window that was
 * accepted, the time from its requestedAt (stamped by the gateway on arrival) to its coupon-issued
 * record becoming visible to a read_committed consumer.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TOPICS } from '../../schemas/topics.ts';
import { outputEnds } from '../verify/outputs.ts';
import { CommittedTail } from './committed-tail.ts';
import { BenchError, type BenchContext } from './context.ts';
import { pacedLoad } from './paced-load.ts';
import type { E2eResult } from './report.ts';
import { meanBetween, meanMsBetween } from './prometheus-text.ts';
import { settleRedis } from './redis-aof.ts';
import { createCoupon, eventIdOf, scrape, UNLIMITED, withPipeline } from './services.ts';
import { percentile, round } from './stats.ts';
import { verifyScenario } from './verify.ts';

// The load's first 2 s are a warm-up (the 202's p99 40-280 ms in them, 12-40 ms after); past
// them a window catches the broker's garbage-collection cycles where they fall, about one every
// 20 s at this rate (docs/performance-log.md, 2026-12-01 early morning), so a longer ramp is no
// steadier: 12 s, as the figures of earlier runs were counted.
const RAMP_S = 12;

export async function measureE2e(ctx: BenchContext, rate: number, seconds: number): Promise<E2eResult> {
  const since = await outputEnds(ctx.outputs);
  const run = await withPipeline(ctx, 'e2e', async ({ gateway, processor, warm }) => {
    const couponId = await createCoupon(gateway, `bench e2e ${ctx.runId}`, UNLIMITED);
    const tail = await CommittedTail.open(ctx, await outputEnds(ctx.outputs));
    try {
      await settleRedis(ctx, 'e2e');
      ctx.progress('e2e', `${rate} req/s for ${seconds} s on coupon ${couponId}`);
      const before = await Promise.all([scrape(gateway.service), scrape(processor.service)]);
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const load = await ctx.measureCpu('e2e', async () => {
        const load = await pacedLoad({ baseUrl: gateway.service.url, path: `/api/coupons/${couponId}/issue`, rate, seconds: RAMP_S + seconds, body: (n) => `{"userId":${n}}` });
        await tail.waitFor(load.answers.filter((a) => a.status === 202).map((a) => eventIdOf(a.body)), 60_000);
        return load;
      });
      loopDelay.disable();
      const [gatewayAfter, processorAfter] = await Promise.all([scrape(gateway.service), scrape(processor.service)]);
      const accepted = load.answers.filter((a) => a.status === 202).map((a) => ({ ...a, eventId: eventIdOf(a.body) }));
      const windowStart = load.startedAt + RAMP_S * 1000;
      const measured = accepted.filter((a) => a.sentAt >= windowStart);
      if (measured.length === 0) throw new BenchError(`no request was accepted (${load.errors} errors)`);
      const e2e: number[] = [];
      const fromSend: number[] = [];
      const decided: number[] = [];
      const visible: number[] = [];
      for (const a of measured) {
        const seen = tail.seen.get(a.eventId)!;
        if (seen.topic !== TOPICS.issued || seen.requestedAt === null || seen.decidedAt === null) throw new BenchError(`request ${a.eventId} ended on ${seen.topic}, not ${TOPICS.issued}`);
        e2e.push(seen.at - seen.requestedAt);
        fromSend.push(seen.at - a.sentAt);
        decided.push(seen.decidedAt - seen.requestedAt);
        visible.push(seen.at - seen.decidedAt);
      }
      const lastSent = measured.reduce((m, a) => Math.max(m, a.sentAt), windowStart);
      return {
        couponId,
        warm,
        ids: accepted.map((a) => a.eventId),
        e2e,
        fromSend,
        decided,
        visible,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        acceptMs: measured.map((a) => a.answeredAt - a.sentAt),
        achievedRate: measured.length / Math.max(1, (lastSent - windowStart) / 1000),
        gatewayStages: meanMsBetween(before[0], gatewayAfter, 'coupon_gateway_stage_duration_seconds', 'stage'),
        processorStages: meanMsBetween(before[1], processorAfter, 'coupon_processor_stage_duration_seconds', 'stage'),
        batchSize: meanBetween(before[1], processorAfter, 'coupon_processor_batch_size_records') ?? 0,
        unitWaitMs: 1000 * (meanBetween(before[1], processorAfter, 'coupon_processor_unit_wait_seconds') ?? 0),
      };
    } finally {
      await tail.close();
    }
  });
  ctx.perUnit('e2e', 'accepted request', run.ids.length);
  await verifyScenario(ctx, 'e2e', [run.warm.couponId, run.couponId], [...run.warm.eventIds, ...run.ids], since);
  const result: E2eResult = {
    rate_per_s: rate,
    seconds,
    ramp_s: RAMP_S,
    achieved_rate_per_s: round(run.achievedRate),
    accepted: run.e2e.length,
    p50_ms: percentile(run.e2e, 0.5),
    p99_ms: percentile(run.e2e, 0.99),
    max_ms: percentile(run.e2e, 1),
    sent_p50_ms: percentile(run.fromSend, 0.5),
    sent_p99_ms: percentile(run.fromSend, 0.99),
    accept_p50_ms: percentile(run.acceptMs, 0.5),
    accept_p99_ms: percentile(run.acceptMs, 0.99),
    decided_p50_ms: percentile(run.decided, 0.5),
    decided_p99_ms: percentile(run.decided, 0.99),
    visible_after_decided_p50_ms: percentile(run.visible, 0.5),
    visible_after_decided_p99_ms: percentile(run.visible, 0.99),
    bench_loop_delay_p99_ms: round(run.loopDelayP99Ms),
    gateway_stage_mean_ms: run.gatewayStages,
    processor_stage_mean_ms: run.processorStages,
    processor_mean_batch_size: round(run.batchSize),
    processor_unit_wait_mean_ms: round(run.unitWaitMs),
  };
  ctx.progress('e2e', `p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
  return result;
}
