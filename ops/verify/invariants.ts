/**
 * The invariants of docs/architecture.md checked against Postgres and the committed output topics:
 * I1 no over-issuance; I2 one coupon per user per coupon; I3 every accepted request has exactly
 * one terminal outcome in the ledger and exactly one matching committed output record; I4 FCFS
 * within each coupon (no SOLD_OUT before an ISSUED in partition order). I5 and I7 judge what clients
 * were told: statuses.ts and promises.ts.
 */
import type pg from 'pg';
import type { CouponIssued, CouponIssueDeadLetter, CouponIssueRejected } from '../../schemas/contracts.ts';

export interface CommittedOutputs {
  issued: CouponIssued[];
  rejected: CouponIssueRejected[];
  deadLetters: CouponIssueDeadLetter[];
}

export interface InvariantResult {
  name: 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7';
  title: string;
  held: boolean;
  detail: string;
}

export async function checkInvariants(db: pg.Pool, couponIds: number[], acceptedEventIds: string[], outputs: CommittedOutputs): Promise<InvariantResult[]> {
  return [await i1(db, couponIds), await i2(db, couponIds), await i3(db, acceptedEventIds, outputs), await i4(db, couponIds)];
}

async function i1(db: pg.Pool, couponIds: number[]): Promise<InvariantResult> {
  const { rows } = await db.query<{ id: string; total_quantity: number; issued_quantity: number; held: string }>(
    `SELECT c.id, c.total_quantity, c.issued_quantity, count(uc.id) AS held
     FROM coupons c LEFT JOIN user_coupons uc ON uc.coupon_id = c.id
     WHERE c.id = ANY($1) GROUP BY c.id`,
    [couponIds],
  );
  const bad = rows.filter((r) => r.issued_quantity !== Number(r.held) || r.issued_quantity > r.total_quantity);
  return {
    name: 'I1',
    title: 'no over-issuance (issued_quantity = count(user_coupons) <= total_quantity)',
    held: bad.length === 0 && rows.length === couponIds.length,
    detail: bad.length ? `coupons ${bad.map((r) => `${r.id}: ${r.issued_quantity}/${r.held}/${r.total_quantity}`).join(', ')}` : `${rows.length} coupons`,
  };
}

async function i2(db: pg.Pool, couponIds: number[]): Promise<InvariantResult> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM user_coupons WHERE coupon_id = ANY($1) GROUP BY coupon_id, user_id HAVING count(*) > 1) d`,
    [couponIds],
  );
  const doubled = Number(rows[0]!.n);
  return { name: 'I2', title: 'one coupon per user per coupon', held: doubled === 0, detail: `${doubled} users hold a coupon twice` };
}

async function i3(db: pg.Pool, accepted: string[], outputs: CommittedOutputs): Promise<InvariantResult> {
  const { rows } = await db.query<{ event_id: string; outcome: string; reason: string | null; user_coupon_id: string | null }>(
    `SELECT event_id, outcome, reason, user_coupon_id FROM issue_outcomes WHERE event_id = ANY($1::uuid[])`,
    [accepted],
  );
  const ledger = new Map(rows.map((r) => [r.event_id, r]));
  const count = new Map<string, number>();
  const bump = (id: string | null): void => {
    if (id) count.set(id, (count.get(id) ?? 0) + 1);
  };
  const wanted = new Set(accepted);
  const problems: string[] = [];
  for (const r of outputs.issued) {
    if (!wanted.has(r.eventId)) continue;
    bump(r.eventId);
    const l = ledger.get(r.eventId);
    if (l && (l.outcome !== 'ISSUED' || Number(l.user_coupon_id) !== r.userCouponId)) problems.push(`${r.eventId}: issued record does not match ledger`);
  }
  for (const r of outputs.rejected) {
    if (!wanted.has(r.eventId)) continue;
    bump(r.eventId);
    const l = ledger.get(r.eventId);
    if (l && (l.outcome !== 'REJECTED' || l.reason !== r.reason)) problems.push(`${r.eventId}: rejected record does not match ledger`);
  }
  for (const r of outputs.deadLetters) {
    if (!r.eventId || !wanted.has(r.eventId)) continue;
    bump(r.eventId);
    if (ledger.get(r.eventId)?.outcome !== 'FAILED') problems.push(`${r.eventId}: dead letter for a request the ledger does not hold as FAILED`);
  }
  const missingLedger = accepted.filter((id) => !ledger.has(id)).length;
  const missingOutput = accepted.filter((id) => !count.has(id)).length;
  const doubled = [...count.values()].filter((n) => n > 1).length;
  const held = missingLedger === 0 && missingOutput === 0 && doubled === 0 && problems.length === 0;
  return {
    name: 'I3',
    title: 'every accepted request: one ledger outcome and one matching committed record',
    held,
    detail: `${accepted.length} accepted; ${missingLedger} without outcome, ${missingOutput} without record, ${doubled} with more than one, ${problems.length} mismatched${
      problems.length ? ` (${problems.slice(0, 3).join('; ')})` : ''
    }`,
  };
}

/** I4 alone (exported for its test). */
export async function i4(db: pg.Pool, couponIds: number[]): Promise<InvariantResult> {
  const { rows } = await db.query<{ n: string }>(
    // A SOLD_OUT has an ISSUED after it exactly when it lies before its coupon's last ISSUED: one
    // pass per coupon, not every pair (a hot coupon of 50,000 requests made that minutes long).
    `WITH last_issued AS (
       SELECT DISTINCT ON (coupon_id) coupon_id, source_partition, source_offset
       FROM issue_outcomes
       WHERE coupon_id = ANY($1) AND outcome = 'ISSUED'
       ORDER BY coupon_id, source_partition DESC, source_offset DESC
     )
     SELECT count(*) AS n
     FROM issue_outcomes s JOIN last_issued l ON l.coupon_id = s.coupon_id
     WHERE s.coupon_id = ANY($1) AND s.reason = 'SOLD_OUT'
       AND (l.source_partition, l.source_offset) > (s.source_partition, s.source_offset)`,
    [couponIds],
  );
  const late = Number(rows[0]!.n);
  return { name: 'I4', title: 'FCFS: issued users are the earliest accepted requests', held: late === 0, detail: `${late} SOLD_OUT requests ahead of an issued one` };
}
