/**
 * Single mode's Postgres side: the old design's approach — one transaction and plain INSERTs per
 * request — with the same idempotency (event id keys), the same rules (outcome-rules.ts) and the
 * same two-table ledger as batch mode (a winner's row in user_coupons, any other outcome in
 * issue_rejections). It exists as the in-run baseline of the benchmark.
 */
import type pg from 'pg';
import { OUTCOME_COLUMNS, toOutcome, type LedgerOutcome, type OutcomeRow } from './ledger.ts';
import { decide, type Decision } from './outcome-rules.ts';
import type { StagedRequest } from './plan.ts';

const READ_OUTCOME_SQL = `SELECT ${OUTCOME_COLUMNS} FROM issue_outcomes WHERE event_id = $1`;

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
    const known = (await client.query<OutcomeRow>(READ_OUTCOME_SQL, [req.eventId])).rows[0];
    if (known && !(req.replay && known.outcome === 'FAILED')) {
      await client.query('COMMIT');
      return toOutcome(known);
    }
    let decision: Decision | { outcome: 'FAILED'; reason: string };
    if (req.failure !== null) {
      decision = { outcome: 'FAILED', reason: req.failure };
    } else {
      const held = await client.query('SELECT 1 FROM user_coupons WHERE coupon_id = $1 AND user_id = $2', [req.couponId, req.userId]);
      const c = coupon.rows[0];
      decision = decide(
        c ? { totalQuantity: c.total_quantity, issuedQuantity: c.issued_quantity, startsAt: Number(c.starts_ms), endsAt: c.ends_ms === null ? null : Number(c.ends_ms) } : null,
        (held.rowCount ?? 0) > 0,
        req.requestedAt,
      );
    }
    if (decision.outcome === 'ISSUED') {
      await client.query(
        `INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at, source_partition, source_offset)
         VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), now(), $5, $6)`,
        [req.couponId, req.userId, req.eventId, req.requestedAt, req.partition, req.offset],
      );
      await client.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [req.couponId]);
      // A replayed FAILED request that wins now: its outcome moves to user_coupons.
      if (known) await client.query(`DELETE FROM issue_rejections WHERE event_id = $1 AND outcome = 'FAILED'`, [req.eventId]);
    } else {
      await client.query(
        `INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0), now())
         ON CONFLICT (event_id) DO UPDATE
           SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
               source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset, decided_at = EXCLUDED.decided_at
           WHERE issue_rejections.outcome = 'FAILED'`,
        [req.eventId, req.couponId, req.userId, decision.outcome, decision.reason, req.partition, req.offset, req.requestedAt],
      );
    }
    const written = (await client.query<OutcomeRow>(READ_OUTCOME_SQL, [req.eventId])).rows[0]!;
    await client.query('COMMIT');
    return toOutcome(written);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
