/** Reads the ledger (issue_outcomes) for the tests: rows by event id, whether all are decided. */
import type pg from 'pg';
import type { OutcomeRow } from '../../processor/ledger.ts';

/** A row of issue_outcomes as `SELECT *` returns it: the processor's columns without its millisecond times. */
export type LedgerRow = Omit<OutcomeRow, 'requested_ms' | 'decided_ms'>;

export async function ledgerRows(db: pg.Pool, eventIds: string[]): Promise<Map<string, LedgerRow>> {
  const { rows } = await db.query<LedgerRow>('SELECT * FROM issue_outcomes WHERE event_id = ANY($1::uuid[])', [eventIds]);
  return new Map(rows.map((r) => [r.event_id, r]));
}

/** True once every event id has a ledger row. */
export async function allDecided(db: pg.Pool, eventIds: string[]): Promise<boolean> {
  return (await decidedCount(db, eventIds)) === eventIds.length;
}

/** How many of `eventIds` have a ledger row (progress of a run). */
export async function decidedCount(db: pg.Pool, eventIds: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE event_id = ANY($1::uuid[])', [eventIds]);
  return Number(rows[0]!.n);
}
