import type { CouponIssued, CouponIssueDeadLetter, CouponIssueRejected } from '../../schemas/contracts.ts';
import type { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { CommittedOutputs } from './invariants.ts';
import { readCommitted } from './read-committed.ts';

/** Every committed output record, decoded through the registry (what a downstream consumer sees). */
export async function readOutputs(serde: Serde): Promise<CommittedOutputs> {
  const [issued, rejected, deadLetters] = await Promise.all([
    readCommitted(TOPICS.issued).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.issued, r.value)))),
    readCommitted(TOPICS.rejected).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.rejected, r.value)))),
    readCommitted(TOPICS.dlq).then((rs) => Promise.all(rs.map((r) => serde.decode(TOPICS.dlq, r.value)))),
  ]);
  return { issued: issued as CouponIssued[], rejected: rejected as CouponIssueRejected[], deadLetters: deadLetters as CouponIssueDeadLetter[] };
}
