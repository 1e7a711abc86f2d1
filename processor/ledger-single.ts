/**
 * Single mode's Postgres side: the old design's approach — one transaction and plain INSERTs per
 * request — with the same idempotency (event id keys) and the same rules (outcome-rules.ts).
 * It exists as the in-run baseline of the benchmark.
 */
import type pg from 'pg';
import { OUTCOME_COLUMNS, toOutcome, type LedgerOutcome, type OutcomeRow } from './ledger.ts';
import { decide } from './outcome-rules.ts';
import type { StagedRequest } from './plan.ts';

export async function applyOne(client: pg.ClientBase, req: StagedRequest): Promise<LedgerOutcome> {
  await client.query('BEGIN');
  try {
    // The coupon row is locked before the ledger is read: an instance deciding the same request
    // at the same time (a zombie) waits here, then finds the outcome instead of inserting twice.
    const coupon = await client.query<{ total_quantity: number; issued_quantity: number; starts_ms: string; ends_ms: string | null }>(
      `SELECT total_quantity, issued_quantity, (extract(epoch FROM starts_at) * 1000)::bigint AS starts_ms,
              (extract(epoch FROM ends_at) * 1000)::bigint AS ends_ms
       FROM coupons WHERE id = $1 FOR UPDATE`,
      [req.couponId],
    );
    const known = await client.query<OutcomeRow>(`SELECT ${OUTCOME_COLUMNS} FROM issue_outcomes WHERE event_id = $1`, [req.eventId]);
    const decided = known.rows[0];
    if (decided && !(req.replay && decided.outcome === 'FAILED')) {
      await client.query('COMMIT');
      return toOutcome(decided);
    }
    let outcome: string;
    let reason: string | null;
    let userCouponId: string | null = null;
    if (req.failure !== null) {
      outcome = 'FAILED';
      reason = req.failure;
    } else {
      const held = await client.query('SELECT 1 FROM user_coupons WHERE coupon_id = $1 AND user_id = $2', [req.couponId, req.userId]);
      const c = coupon.rows[0];
      const decision = decide(
        c ? { totalQuantity: c.total_quantity, issuedQuantity: c.issued_quantity, startsAt: Number(c.starts_ms), endsAt: c.ends_ms === null ? null : Number(c.ends_ms) } : null,
        (held.rowCount ?? 0) > 0,
        req.requestedAt,
      );
      outcome = decision.outcome;
      reason = decision.outcome === 'REJECTED' ? decision.reason : null;
      if (decision.outcome === 'ISSUED') {
        const inserted = await client.query<{ id: string }>(
          'INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), now()) RETURNING id',
          [req.couponId, req.userId, req.eventId, req.requestedAt],
        );
        userCouponId = inserted.rows[0]!.id;
        await client.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [req.couponId]);
      }
    }
    const written = await client.query<OutcomeRow>(
      `INSERT INTO issue_outcomes (event_id, coupon_id, user_id, outcome, reason, user_coupon_id, source_partition, source_offset, requested_at, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0), now())
       ON CONFLICT (event_id) DO UPDATE
         SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, user_coupon_id = EXCLUDED.user_coupon_id,
             source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset, decided_at = EXCLUDED.decided_at
         WHERE issue_outcomes.outcome = 'FAILED'
       RETURNING ${OUTCOME_COLUMNS}`,
      [req.eventId, req.couponId, req.userId, outcome, reason, userCouponId, req.partition, req.offset, req.requestedAt],
    );
    await client.query('COMMIT');
    return toOutcome(written.rows[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
