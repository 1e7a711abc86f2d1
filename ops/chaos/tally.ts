/** The report's counts of what went wrong, from the ledger, Postgres and the committed outputs. */
import type pg from 'pg';
import type { AcceptedRequest } from '../verify/client-answers.ts';
import type { CommittedOutputs } from '../verify/invariants.ts';
import type { LedgerRow } from '../verify/promises.ts';

export interface Tally {
  issued: number;
  /** Accepted requests without a ledger outcome or without a committed output record. */
  lost: number;
  /** Accepted requests with more than one committed output record, plus users holding a coupon twice. */
  doubled: number;
  /** Units issued beyond a coupon's quantity, or counted apart from the coupons users hold. */
  overIssued: number;
}

/** Per accepted request, how many committed output records carry its event id. */
export function recordCounts(accepted: readonly AcceptedRequest[], outputs: CommittedOutputs): Map<string, number> {
  const counts = new Map(accepted.map((a) => [a.eventId, 0]));
  const ids = [...outputs.issued.map((r) => r.eventId), ...outputs.rejected.map((r) => r.eventId), ...outputs.deadLetters.flatMap((r) => (r.eventId ? [r.eventId] : []))];
  for (const id of ids) {
    const n = counts.get(id);
    if (n !== undefined) counts.set(id, n + 1);
  }
  return counts;
}

export function tallyOutcomes(accepted: readonly AcceptedRequest[], ledger: readonly LedgerRow[], outputs: CommittedOutputs): Omit<Tally, 'overIssued'> & { doubledRecords: number } {
  const byEvent = new Map(ledger.map((r) => [r.eventId, r]));
  const counts = recordCounts(accepted, outputs);
  let issued = 0;
  let lost = 0;
  for (const a of accepted) {
    const row = byEvent.get(a.eventId);
    if (row?.outcome === 'ISSUED') issued++;
    if (!row || counts.get(a.eventId) === 0) lost++;
  }
  const doubledRecords = [...counts.values()].filter((n) => n > 1).length;
  return { issued, lost, doubled: doubledRecords, doubledRecords };
}

/** Users holding a coupon twice, and units beyond quantity or apart from the coupons held. */
export async function postgresExcess(db: pg.Pool, couponIds: readonly number[]): Promise<{ doubledUsers: number; overIssued: number }> {
  const doubled = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM (SELECT 1 FROM user_coupons WHERE coupon_id = ANY($1) GROUP BY coupon_id, user_id HAVING count(*) > 1) d',
    [couponIds],
  );
  const over = await db.query<{ n: string | null }>(
    `SELECT sum(greatest(0, held - c.total_quantity) + abs(c.issued_quantity - held)) AS n
     FROM coupons c JOIN (SELECT coupon_id, count(*) AS held FROM user_coupons WHERE coupon_id = ANY($1) GROUP BY coupon_id) h ON h.coupon_id = c.id`,
    [couponIds],
  );
  return { doubledUsers: Number(doubled.rows[0]!.n), overIssued: Number(over.rows[0]!.n ?? 0) };
}
