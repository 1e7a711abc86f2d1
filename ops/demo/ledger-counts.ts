/** How far the processor has got with a coupon, from the outcome ledger (for the progress line). */
import type pg from 'pg';

export interface LedgerCounts {
  issued: number;
  rejected: number;
  failed: number;
  decided: number;
}

export async function ledgerCounts(db: pg.Pool, couponId: number): Promise<LedgerCounts> {
  const { rows } = await db.query<{ issued: string; rejected: string; failed: string }>(
    `SELECT count(*) FILTER (WHERE outcome = 'ISSUED') AS issued,
            count(*) FILTER (WHERE outcome = 'REJECTED') AS rejected,
            count(*) FILTER (WHERE outcome = 'FAILED') AS failed
     FROM issue_outcomes WHERE coupon_id = $1`,
    [couponId],
  );
  const issued = Number(rows[0]!.issued);
  const rejected = Number(rows[0]!.rejected);
  const failed = Number(rows[0]!.failed);
  return { issued, rejected, failed, decided: issued + rejected + failed };
}
