/**
 * The flash sale: `users` distinct users ask the gateway for a coupon of `quantity` units all at
 * once (closed loop, `connections` at a time) while a processor runs. Measured: from the last 202
 * to the last outcome committed (drain), and from the first request to it (total).
 */
import { outputEnds } from '../verify/outputs.ts';
import { closedLoop } from './closed-loop.ts';
import { CommittedTail } from './committed-tail.ts';
import { BenchError, type BenchContext } from './context.ts';
import type { BurstResult } from './report.ts';
import { createCoupon, eventIdOf, withPipeline } from './services.ts';
import { round } from './stats.ts';
import { verifyScenario } from './verify.ts';

interface Accepted {
  eventId: string;
  at: number;
}

export async function measureBurst(ctx: BenchContext, users: number, quantity: number, connections: number): Promise<BurstResult> {
  const since = await outputEnds(ctx.outputs);
  const run = await withPipeline(ctx, 'burst', async ({ gateway, warm }) => {
    const couponId = await createCoupon(gateway, `bench burst ${ctx.runId}`, quantity);
    const tail = await CommittedTail.open(ctx, await outputEnds(ctx.outputs));
    try {
      const accepted: Accepted[] = [];
      ctx.progress('burst', `${users.toLocaleString('en-US')} users at once over ${connections} connections for coupon ${couponId} (${quantity} units)`);
      const firstAt = Date.now();
      const load = await ctx.measureCpu('burst', async () => {
        const load = await closedLoop({
          baseUrl: gateway.service.url,
          path: `/api/coupons/${couponId}/issue`,
          connections,
          amount: users,
          body: (n) => `{"userId":${n}}`,
          onAnswer: (status, body, at) => {
            if (status === 202) accepted.push({ eventId: eventIdOf(body), at });
          },
        });
        await tail.waitFor(accepted.map((a) => a.eventId), 120_000);
        return load;
      });
      if (accepted.length === 0) throw new BenchError(`no request of the burst was accepted: ${JSON.stringify(load.answers)}`);
      const ids = accepted.map((a) => a.eventId);
      const lastAccepted = accepted.reduce((m, a) => Math.max(m, a.at), 0);
      const lastOutcome = ids.reduce((m, id) => Math.max(m, tail.seen.get(id)!.at), 0);
      const { rows } = await ctx.db.query<{ last_ms: string; issued: string }>(
        `SELECT (extract(epoch FROM max(decided_at)) * 1000)::bigint AS last_ms, count(*) FILTER (WHERE outcome = 'ISSUED') AS issued
         FROM issue_outcomes WHERE coupon_id = $1`,
        [couponId],
      );
      return { couponId, warm, ids, load, firstAt, lastAccepted, lastOutcome, lastDecided: Number(rows[0]!.last_ms), issued: Number(rows[0]!.issued) };
    } finally {
      await tail.close();
    }
  });
  ctx.perUnit('burst', 'request', users);
  await verifyScenario(ctx, 'burst', [run.warm.couponId, run.couponId], [...run.warm.eventIds, ...run.ids], since);
  const result: BurstResult = {
    requests: users,
    quantity,
    connections,
    accepted: run.ids.length,
    issued: run.issued,
    drain_s: round((run.lastOutcome - run.lastAccepted) / 1000, 3),
    total_s: round((run.lastOutcome - run.firstAt) / 1000, 3),
    drain_ledger_s: round((run.lastDecided - run.lastAccepted) / 1000, 3),
    answers: run.load.answers,
  };
  ctx.progress('burst', `${result.accepted} accepted; drain ${result.drain_s} s, total ${result.total_s} s`);
  return result;
}
