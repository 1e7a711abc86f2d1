/** I1-I4 (ops/verify) after a scenario, on its own coupons and the requests it had accepted. */
import { checkInvariants } from '../verify/invariants.ts';
import { readOutputs, type OutputOffsets, type OutputSource } from '../verify/outputs.ts';
import type { BenchContext } from './context.ts';
import type { ScenarioName } from './report.ts';

/**
 * Reads the committed output records written since `since` (on the bench's topics unless `source`
 * names others) and checks the invariants; records the outcome in the context and returns whether all four held.
 */
export async function verifyScenario(
  ctx: BenchContext,
  scenario: ScenarioName,
  couponIds: number[],
  acceptedEventIds: string[],
  since: OutputOffsets,
  source?: OutputSource,
): Promise<boolean> {
  ctx.progress(scenario, `checking I1-I4 on ${couponIds.length} coupon(s) and ${acceptedEventIds.length} accepted requests`);
  const outputs = await readOutputs(ctx.serde, since, source ?? ctx.outputs);
  const results = await checkInvariants(ctx.db, couponIds, acceptedEventIds, outputs);
  const held = results.every((r) => r.held);
  ctx.invariants.push({ scenario, held, details: results.map((r) => `${r.name} ${r.held ? 'held' : 'VIOLATED'}: ${r.title} (${r.detail})`) });
  ctx.progress(scenario, `invariants ${held ? 'held' : 'VIOLATED'}`);
  return held;
}
