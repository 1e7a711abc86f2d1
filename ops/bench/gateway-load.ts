/**
 * Gateway capacity: `concurrency` connections (closed loop, closed-loop.ts) for `seconds` against a
 * coupon that never sells out, a new user per request, and no processor competing for the CPU
 * during the load. A processor (on a group moved to the end before the load) then drains what
 * was accepted, so the invariants cover every 202 (the warm-up's too).
 */
import { outputEnds } from '../verify/outputs.ts';
import type { ServiceProcess } from '../run/service-process.ts';
import { closedLoop, type ClosedLoopResult } from './closed-loop.ts';
import { meanMsBetween } from './prometheus-text.ts';
import { BenchError, type BenchContext } from './context.ts';
import type { GatewayResult } from './report.ts';
import { createCoupon, eventIdOf, freshGroup, scrape, startBenchGateway, startBenchProcessor, stopService, UNLIMITED, waitAllDecided } from './services.ts';
import { round } from './stats.ts';
import { verifyScenario } from './verify.ts';

const WARM_UP_S = 2;

export async function measureGateway(ctx: BenchContext, concurrency: number, seconds: number): Promise<GatewayResult> {
  const since = await outputEnds(ctx.outputs);
  const groupId = await freshGroup(ctx, 'gateway');
  const started: ServiceProcess[] = [];
  try {
    const gateway = await startBenchGateway(ctx, 'gateway', groupId);
    started.push(gateway.service);
    const couponId = await createCoupon(gateway, `bench gateway ${ctx.runId}`, UNLIMITED);
    ctx.progress('gateway', `${concurrency} connections for ${seconds} s on coupon ${couponId}`);
    const accepted: string[] = [];
    let user = 0;
    const load = (loadSeconds: number): Promise<ClosedLoopResult> =>
      closedLoop({
        baseUrl: gateway.service.url,
        path: `/api/coupons/${couponId}/issue`,
        connections: concurrency,
        seconds: loadSeconds,
        body: () => `{"userId":${++user}}`,
        onAnswer: (status, body) => {
          if (status === 202) accepted.push(eventIdOf(body));
        },
      });
    // JIT, connection pools and the producer's first batches settle before the clock starts.
    await load(WARM_UP_S);
    const warmAccepted = accepted.length;
    const before = await scrape(gateway.service);
    const measured = await ctx.measureCpu('gateway', () => load(seconds));
    const stages = meanMsBetween(before, await scrape(gateway.service), 'coupon_gateway_stage_duration_seconds', 'stage');
    const measuredAccepted = accepted.length - warmAccepted;
    if (measuredAccepted === 0) throw new BenchError(`no request was accepted: ${JSON.stringify(measured.answers)}`);
    ctx.progress('gateway', `${accepted.length.toLocaleString('en-US')} accepted; a processor drains them`);

    const processor = await startBenchProcessor(ctx, groupId, 'batch');
    started.push(processor.service);
    await waitAllDecided(gateway, processor, couponId, 120_000 + accepted.length * 2);
    await stopService(processor.service);
    await stopService(gateway.service);
    await verifyScenario(ctx, 'gateway', [couponId], accepted, since);

    const result: GatewayResult = {
      concurrency,
      seconds,
      rps: round(measuredAccepted / measured.seconds),
      p50_ms: measured.latencyMs.p50,
      p99_ms: measured.latencyMs.p99,
      accepted: measuredAccepted,
      answers: measured.answers,
      errors: measured.errors,
      stage_mean_ms: stages,
      cpu_us_per_accepted: ctx.perUnit('gateway', 'accepted request', measuredAccepted),
    };
    ctx.progress('gateway', `${result.rps} accepted/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
    return result;
  } finally {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
  }
}
