/**
 * Gateway capacity: closed loops (closed-loop.ts) of `seconds` at each of a few connection counts
 * against a coupon that never sells out, a new user per request, and no processor competing for
 * the CPU during the loads. The capacity is the fastest load whose p99 meets the target
 * (capacity.ts). Each load starts after Redis has rewritten its append-only file (redis-aof.ts). A
 * processor (on a group moved to the end before the loads) then drains what was accepted, so the
 * invariants cover every 202 (the warm-ups' too).
 */
import { outputEnds } from '../verify/outputs.ts';
import type { ServiceProcess } from '../run/service-process.ts';
import { capacityStep } from './capacity.ts';
import { closedLoop } from './closed-loop.ts';
import { meanMsBetween } from './prometheus-text.ts';
import { settleRedis } from './redis-aof.ts';
import { BenchError, type BenchContext } from './context.ts';
import { TARGETS, type GatewayResult, type GatewayStep } from './report.ts';
import { createCoupon, eventIdOf, freshGroup, scrape, startBenchGateway, startBenchProcessor, stopService, UNLIMITED, waitAllDecided } from './services.ts';
import { round } from './stats.ts';
import { verifyScenario } from './verify.ts';

const WARM_UP_S = 2;

export async function measureGateway(ctx: BenchContext, connectionCounts: readonly number[], seconds: number): Promise<GatewayResult> {
  const since = await outputEnds(ctx.outputs);
  const groupId = await freshGroup(ctx, 'gateway');
  const started: ServiceProcess[] = [];
  try {
    const gateway = await startBenchGateway(ctx, 'gateway', groupId);
    started.push(gateway.service);
    const couponId = await createCoupon(gateway, `bench gateway ${ctx.runId}`, UNLIMITED);
    const accepted: string[] = [];
    let user = 0;
    const load = (connections: number, loadSeconds: number) =>
      closedLoop({
        baseUrl: gateway.service.url,
        path: `/api/coupons/${couponId}/issue`,
        connections,
        seconds: loadSeconds,
        body: () => `{"userId":${++user}}`,
        onAnswer: (status, body) => {
          if (status === 202) accepted.push(eventIdOf(body));
        },
      });

    const steps: GatewayStep[] = [];
    for (const concurrency of connectionCounts) {
      await settleRedis(ctx, 'gateway');
      ctx.progress('gateway', `${concurrency} connections for ${seconds} s on coupon ${couponId}`);
      // JIT, connection pools, this load's new connections and the producer's batches settle before the clock starts.
      await load(concurrency, WARM_UP_S);
      const warmAccepted = accepted.length;
      const phase = `gateway ${concurrency}`;
      const before = await scrape(gateway.service);
      const measured = await ctx.measureCpu(phase, () => load(concurrency, seconds));
      const stages = meanMsBetween(before, await scrape(gateway.service), 'coupon_gateway_stage_duration_seconds', 'stage');
      const measuredAccepted = accepted.length - warmAccepted;
      if (measuredAccepted === 0) throw new BenchError(`no request was accepted at ${concurrency} connections: ${JSON.stringify(measured.answers)}`);
      const step: GatewayStep = {
        concurrency,
        rps: round(measuredAccepted / measured.seconds),
        p50_ms: measured.latencyMs.p50,
        p99_ms: measured.latencyMs.p99,
        accepted: measuredAccepted,
        answers: measured.answers,
        errors: measured.errors,
        stage_mean_ms: stages,
        cpu_us_per_accepted: ctx.perUnit(phase, 'accepted request', measuredAccepted),
      };
      steps.push(step);
      ctx.progress('gateway', `${concurrency} connections: ${step.rps} accepted/s, p50 ${step.p50_ms} ms, p99 ${step.p99_ms} ms`);
    }
    ctx.progress('gateway', `${accepted.length.toLocaleString('en-US')} accepted; a processor drains them`);

    const processor = await startBenchProcessor(ctx, groupId, 'batch');
    started.push(processor.service);
    await waitAllDecided(gateway, processor, couponId, 120_000 + accepted.length * 2);
    await stopService(processor.service);
    await stopService(gateway.service);
    await verifyScenario(ctx, 'gateway', [couponId], accepted, since);

    const capacity = capacityStep(steps, TARGETS.gatewayP99Ms);
    ctx.progress('gateway', `capacity: ${capacity.rps} accepted/s at ${capacity.concurrency} connections (p99 ${capacity.p99_ms} ms)`);
    return { ...capacity, seconds, steps };
  } finally {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
  }
}
