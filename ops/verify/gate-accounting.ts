/**
 * I6: after reconciliation the gate matches Postgres + Kafka — each coupon's reserved count and
 * requester set equal the accounting of its ledger rows, its requests pending in Kafka and its
 * holds (docs/gate.md). A gate with more is a phantom reservation (a user locked out, a unit
 * leaked); with less, a user could be admitted twice or a unit handed out twice.
 */
import { driftOf, expectedAccounting } from '../../gateway/reconcile/accounting.ts';
import { gatherEvidence, type EvidenceSources } from '../../gateway/reconcile/evidence.ts';
import { GateStore } from '../../gateway/reconcile/gate-store.ts';
import type { RedisClient } from '../../platform/redis-connection.ts';
import type { InvariantResult } from './invariants.ts';

export async function i6Result(sources: EvidenceSources & { redis: RedisClient }, couponIds: readonly number[]): Promise<InvariantResult> {
  const store = new GateStore(sources.redis);
  const snapshots = await Promise.all(couponIds.map((id) => store.snapshot(id)));
  const evidence = await gatherEvidence(sources, couponIds);
  const problems: string[] = [];
  for (const snapshot of snapshots) {
    const id = snapshot.couponId;
    const drift = driftOf(snapshot, expectedAccounting(evidence.decided.get(id) ?? [], evidence.pending.get(id) ?? [], snapshot.holds));
    if (drift) problems.push(`coupon ${id}: reserved ${drift.reserved.actual} (expected ${drift.reserved.expected}), ${drift.missing.length} users missing, ${drift.phantom.length} phantom`);
  }
  return {
    name: 'I6',
    title: 'the gate matches Postgres + Kafka (reserved and requesters equal ledger, pending requests and holds)',
    held: problems.length === 0,
    detail: problems.length > 0 ? problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; ${problems.length - 5} more` : '') : `${couponIds.length} coupons`,
  };
}
