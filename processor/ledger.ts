/**
 * The Postgres side of a batch, in one transaction and two steps: load (BEGIN, COPY the requests
 * into a session-local staging table), then decide (lock the touched coupons in id order, decide
 * set-based with sql/merge.sql, COMMIT: one round trip). A partition loads its next unit on a
 * second connection while the previous one is decided (postgres-decider.ts), so only the decide
 * step is in the partition's chain of decisions. The outcome of every staged event comes back —
 * the merge's own for those it decided, the ledger's for the rest (replays).
 */
import fs from 'node:fs';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { StagedRequest } from './plan.ts';
import type { TerminalOutcome } from '../schemas/outcomes.ts';

/** A row of the ledger: the terminal outcome of one request. */
export interface LedgerOutcome {
  eventId: string;
  couponId: number;
  userId: number;
  outcome: TerminalOutcome;
  /** Rejection reason (REJECTED) or failure cause (FAILED). */
  reason: string | null;
  userCouponId: number | null;
  partition: number;
  offset: number;
  requestedAt: number;
  decidedAt: number;
}

export interface StageTimer {
  <T>(stage: 'copy' | 'merge', work: () => Promise<T>): Promise<T>;
}

const MERGE_SQL = fs.readFileSync(new URL('./sql/merge.sql', import.meta.url), 'utf8');

/** requested_ms, not a timestamptz: parsing one cost Postgres ~0.45 µs per row, and the processor a Date and a string. */
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS staging_requests (
  event_id uuid NOT NULL, coupon_id bigint NOT NULL, user_id bigint NOT NULL, requested_ms bigint NOT NULL,
  src_partition integer NOT NULL, src_offset bigint NOT NULL, failure text, replay boolean NOT NULL
) ON COMMIT DELETE ROWS`;

const LOCK_SQL = `SELECT id FROM coupons WHERE id IN (SELECT DISTINCT coupon_id FROM staging_requests WHERE failure IS NULL) ORDER BY id FOR UPDATE`;

/** The ledger columns as LedgerOutcome needs them (see toOutcome). */
export const OUTCOME_COLUMNS = `event_id, coupon_id, user_id, outcome, reason, user_coupon_id, source_partition, source_offset,
  (extract(epoch FROM requested_at) * 1000)::bigint AS requested_ms, (extract(epoch FROM decided_at) * 1000)::bigint AS decided_ms`;

const READ_BACK_SQL = `SELECT ${OUTCOME_COLUMNS} FROM issue_outcomes WHERE event_id = ANY($1::uuid[])`;

const prepared = new WeakSet<pg.ClientBase>();

/**
 * Every column of the decision's results as Postgres's text: node-pg's parser of a bigint tests
 * each value against a regular expression (to return it as a string anyway); our fields are
 * converted once, where they are used.
 */
const AS_TEXT: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value } as pg.CustomTypesConfig;

/** Lock, merge and commit, sent as one query: [lock, clock, merged, failed, commit] come back. */
const DECIDE_SQL = `${LOCK_SQL};\n${MERGE_SQL}\nCOMMIT;`;

/** BEGIN and COPY the requests into the connection's staging table; decideBatch (or abandonBatch) ends the transaction. */
export async function loadBatch(client: pg.ClientBase, requests: StagedRequest[], time: StageTimer): Promise<void> {
  if (!prepared.has(client)) {
    await client.query(STAGING_DDL);
    prepared.add(client);
  }
  await client.query('BEGIN');
  await time('copy', () => copyRows(client, requests));
}

/**
 * Decides the batch loadBatch loaded on `client` and commits; returns the ledger outcome of every
 * staged event id (one per event id). On an error the transaction is left for abandonBatch.
 */
export async function decideBatch(client: pg.ClientBase, requests: StagedRequest[], time: StageTimer): Promise<LedgerOutcome[]> {
  const results = (await time('merge', () => client.query({ text: DECIDE_SQL, types: AS_TEXT }))) as unknown as pg.QueryResult[];
  const [clock, merged, failed] = results.slice(1, 4) as [pg.QueryResult<{ decided_ms: string }>, pg.QueryResult<DecidedRow>, pg.QueryResult<DecidedRow>];
  const decided = decidedOutcomes(requests, [...merged.rows, ...failed.rows], Number(clock.rows[0]!.decided_ms));
  // Decided before this batch (committed then): read after this commit, their outcomes are final.
  const unknown = undecidedEvents(requests, decided);
  if (unknown.length > 0) decided.push(...(await client.query<OutcomeRow>(READ_BACK_SQL, [unknown])).rows.map(toOutcome));
  return decided;
}

/** Rolls back a loaded batch that will not be decided, or whose decision failed. */
export async function abandonBatch(client: pg.ClientBase): Promise<void> {
  await client.query('ROLLBACK');
}

async function copyRows(client: pg.ClientBase, requests: StagedRequest[]): Promise<void> {
  const stream = client.query(
    copyFrom('COPY staging_requests (event_id, coupon_id, user_id, requested_ms, src_partition, src_offset, failure, replay) FROM STDIN'),
  );
  const lines = function* (): Generator<string> {
    // Chunks of rows keep the number of stream writes low.
    const CHUNK = 500;
    for (let i = 0; i < requests.length; i += CHUNK) {
      // Rows joined once: a string grown row by row is a chain the socket write flattens again.
      const rows: string[] = [];
      for (let j = i; j < Math.min(i + CHUNK, requests.length); j++) {
        const r = requests[j]!;
        rows.push(`${r.eventId}\t${r.couponId}\t${r.userId}\t${r.requestedAt}\t${r.partition}\t${r.offset}\t${
          r.failure === null ? '\\N' : copyEscape(r.failure)
        }\t${r.replay ? 't' : 'f'}\n`);
      }
      yield rows.join('');
    }
  };
  await pipeline(Readable.from(lines()), stream);
}

/** COPY text format: backslash, tab, newline and carriage return must be escaped. */
export function copyEscape(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

export interface OutcomeRow {
  event_id: string;
  coupon_id: string;
  user_id: string;
  outcome: TerminalOutcome;
  reason: string | null;
  user_coupon_id: string | null;
  source_partition: number;
  source_offset: string;
  requested_ms: string;
  decided_ms: string;
}

/**
 * An outcome the merge wrote: the rest of its row (the event id too) is the staged request at that
 * source position, decided at the transaction's time. Not returning the event id spares a uuid's
 * text and a string a record.
 */
export interface DecidedRow {
  source_partition: string;
  source_offset: string;
  outcome: TerminalOutcome;
  user_coupon_id: string | null;
  reason: string | null;
}

/** The merge's own outcomes as ledger outcomes, completed from the staged requests they decided. */
export function decidedOutcomes(requests: StagedRequest[], rows: DecidedRow[], decidedAt: number): LedgerOutcome[] {
  // Keyed by numbers, not "partition:offset" strings: this runs for every record.
  const bySource = new Map<number, Map<number, StagedRequest>>();
  for (const r of requests) {
    let offsets = bySource.get(r.partition);
    if (!offsets) bySource.set(r.partition, (offsets = new Map()));
    offsets.set(r.offset, r);
  }
  return rows.map((row) => {
    const offset = Number(row.source_offset);
    const partition = Number(row.source_partition);
    const staged = bySource.get(partition)?.get(offset);
    if (!staged) throw new Error(`the merge decided a request at ${partition}/${offset}, which was not staged`);
    return {
      eventId: staged.eventId,
      couponId: staged.couponId,
      userId: staged.userId,
      outcome: row.outcome,
      reason: row.reason,
      userCouponId: row.user_coupon_id === null ? null : Number(row.user_coupon_id),
      partition,
      offset,
      requestedAt: staged.requestedAt,
      decidedAt,
    };
  });
}

/** Staged event ids without an outcome among `decided`: decided before this batch, their outcome is the ledger's. */
export function undecidedEvents(requests: StagedRequest[], decided: LedgerOutcome[]): string[] {
  // The usual case: one outcome per staged request (outcomes are one per staged event id).
  if (decided.length === requests.length) return [];
  const known = new Set(decided.map((o) => o.eventId));
  return [...new Set(requests.map((r) => r.eventId).filter((id) => !known.has(id)))];
}

export function toOutcome(row: OutcomeRow): LedgerOutcome {
  return {
    eventId: row.event_id,
    couponId: Number(row.coupon_id),
    userId: Number(row.user_id),
    outcome: row.outcome,
    reason: row.reason,
    userCouponId: row.user_coupon_id === null ? null : Number(row.user_coupon_id),
    partition: row.source_partition,
    offset: Number(row.source_offset),
    requestedAt: Number(row.requested_ms),
    decidedAt: Number(row.decided_ms),
  };
}

const MARK_FAILED_SQL = `INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
  SELECT $1::uuid, $2::bigint, $3::bigint, 'FAILED', $4::text, $5::integer, $6::bigint, to_timestamp($7::double precision / 1000.0), now()
  WHERE NOT EXISTS (SELECT 1 FROM user_coupons WHERE event_id = $1::uuid)
  ON CONFLICT (event_id) DO NOTHING`;

/**
 * Records the FAILED outcome of a request Postgres refused for its values, and returns the
 * ledger's outcome of that event (an earlier outcome, if it had one, wins).
 */
export async function markFailed(client: pg.ClientBase, request: StagedRequest, reason: string): Promise<LedgerOutcome> {
  await client.query(MARK_FAILED_SQL, [request.eventId, request.couponId, request.userId, reason, request.partition, request.offset, request.requestedAt]);
  const { rows } = await client.query<OutcomeRow>(`SELECT ${OUTCOME_COLUMNS} FROM issue_outcomes WHERE event_id = $1`, [request.eventId]);
  return toOutcome(rows[0]!);
}
