/**
 * The invariants once a processor's outputs have settled. A unit is decided in Postgres before its
 * Kafka transaction commits (the next unit's Postgres work overlaps that commit), so "all decided
 * in the ledger" can come a moment before the last records are readable: poll until every
 * invariant holds or the deadline passes, then hand back the last results for the test to assert.
 */
import type pg from 'pg';
import { checkInvariants, type InvariantResult } from '../../ops/verify/invariants.ts';
import { readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import type { Serde } from '../../schemas/serde.ts';
import { eventually } from './eventually.ts';

export async function settledInvariants(db: pg.Pool, serde: Serde, couponIds: number[], eventIds: string[], since: OutputOffsets, timeoutMs = 30_000): Promise<InvariantResult[]> {
  const check = async (): Promise<InvariantResult[]> => checkInvariants(db, couponIds, eventIds, await readOutputs(serde, since));
  let last: InvariantResult[] = [];
  await eventually(async () => (last = await check()).every((r) => r.held), timeoutMs, 250).catch(() => undefined);
  return last.length > 0 ? last : check();
}
