/**
 * A grant's durable state in Postgres (ops/db/migrations/002_grants.sql): the grant row, its
 * roster of distinct users (each with its deterministic event id, first line, and the gate's
 * refusal if no request was produced), and the per-user result derived from the ledger.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { grantCounts, grantStatus, type GrantCounts, type GrantStatus } from './grant-counts.ts';
import { grantEventIdRange, NEW_GRANT_SCHEME, type GrantEventIdScheme } from './grant-id.ts';
import { pgArray } from '../../platform/pg-array.ts';

/** The grant id is taken, by a grant of another coupon. */
export class GrantConflictError extends Error {
  override name = 'GrantConflictError';
}

/** No grant (or coupon) of that id. */
export class GrantNotFoundError extends Error {
  override name = 'GrantNotFoundError';
}

export interface Grant {
  id: string;
  couponId: number;
  status: GrantStatus;
  /** Every line was read and every accepted user's request produced. */
  uploaded: boolean;
  linesRead: number;
  invalidLines: number;
  counts: GrantCounts;
  createdAt: string;
  /** The grant's last recorded activity: its start, a batch uploaded, its turn to DONE. An upload not complete whose last activity is long past was stopped: run it again to resume. */
  updatedAt: string;
  completedAt: string | null;
}

export interface GrantListing {
  /** Only this coupon's grants. */
  couponId?: number;
  limit: number;
}

export interface RosterEntry {
  userId: number;
  eventId: string;
  line: number;
  /** Why the gate produced no request for the user; null when one was produced (or already decided). */
  refused: string | null;
}

export interface DecidedRequest {
  /** The grant's roster lists the user already. */
  listed: boolean;
}

interface GrantRow {
  id: string;
  coupon_id: string;
  status: GrantStatus;
  uploaded: boolean;
  lines_read: string;
  invalid_lines: string;
  counts: GrantCounts;
  event_ids: GrantEventIdScheme;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';

/**
 * Lists users of a grant (the grant row locked against a delete), then `onConflict`, and adds the
 * users it inserted to the grant's `listed` count (migration 008). A plain insert is tried first,
 * as a batch almost never meets a listed user: ON CONFLICT's speculative insertion took twice its
 * time (6.2 against 3.2 µs a user, a third more WAL records). A batch that does (a line repeated
 * from an earlier batch, a resumed run) fails whole, and is inserted again with UPSERT_USERS,
 * whose updated rows (xmax set) are not counted again.
 */
const addUsersSql = (onConflict: string): string => `WITH g AS (SELECT id FROM coupon_grants WHERE id = $1 FOR NO KEY UPDATE),
  added AS (
    INSERT INTO coupon_grant_users (grant_id, user_id, event_id, line, refused)
    SELECT g.id, u, e, l, r FROM g, unnest($2::bigint[], $3::uuid[], $4::bigint[], $5::text[]) AS t(u, e, l, r)
    ${onConflict}
    RETURNING xmax = 0 AS inserted),
  counted AS (UPDATE coupon_grants SET listed = listed + (SELECT count(*) FROM added WHERE inserted) WHERE id = (SELECT id FROM g))
  SELECT count(*)::int AS grants FROM g`;

const INSERT_USERS = addUsersSql('');
/** A listed user keeps its row (its first line), but a refusal gives way to the latest verdict. */
const UPSERT_USERS = addUsersSql(`ON CONFLICT (grant_id, user_id) DO UPDATE SET refused = EXCLUDED.refused
      WHERE coupon_grant_users.refused IS NOT NULL AND coupon_grant_users.refused IS DISTINCT FROM EXCLUDED.refused`);

/**
 * The connection settings of a grant's pool. JIT off: the planner estimates a batch's lookups
 * through the issue_outcomes view at millions of rows, so Postgres JIT-compiled each 5,000-user
 * lookup for about 0.7 s to run it in 0.1 s — seven eighths of a re-upload's time.
 */
export const grantPoolConfig = (connectionString: string, applicationName: string): pg.PoolConfig => ({
  connectionString,
  max: 4,
  application_name: applicationName,
  options: '-c jit=off',
});

/** A ledger outcome as a result key of grantCounts. */
const OUTCOME_RESULT_SQL = `o.outcome || CASE WHEN o.outcome = 'REJECTED' THEN ':' || o.reason ELSE '' END`;

/**
 * Counts a 'grant-user' grant's results by reading only its own rows: the ledger's in the grant's
 * event-id range ($2-$3: all of them roster users, as nothing is produced before it is listed),
 * the roster's refusals that no outcome replaced, and the rest of the users the roster lists
 * (the grant's `listed`, read in the same snapshot: an outcome it shows is of a listed user) are
 * pending. Joining the roster to the ledger instead hashed the whole ledger: 1.4-2.7 s for a
 * million users next to a ledger of 1.75 million rows, growing with the ledger. The ledger's two
 * tables (migration 003) are counted apiece: through the issue_outcomes view, building and
 * grouping each issued row's result took twice as long (0.26 against 0.13 s for a million).
 */
const RANGE_COUNTS_SQL = `WITH ledger AS (
    SELECT 'ISSUED' AS result, count(*) AS count FROM user_coupons WHERE event_id BETWEEN $2 AND $3
    UNION ALL
    SELECT ${OUTCOME_RESULT_SQL} AS result, count(*) AS count FROM issue_rejections o WHERE o.event_id BETWEEN $2 AND $3 GROUP BY 1
  ), refused AS (
    SELECT 'REFUSED:' || g.refused AS result, count(*) AS count FROM coupon_grant_users g
    WHERE g.grant_id = $1 AND g.refused IS NOT NULL AND NOT EXISTS (SELECT 1 FROM issue_outcomes o WHERE o.event_id = g.event_id)
    GROUP BY 1
  )
  SELECT result, count FROM ledger
  UNION ALL SELECT result, count FROM refused
  UNION ALL SELECT 'PENDING', (SELECT listed FROM coupon_grants WHERE id = $1)
    - (SELECT COALESCE(sum(count), 0) FROM ledger) - (SELECT COALESCE(sum(count), 0) FROM refused)`;

/** Counts a 'name-sha1' grant's results: a user's is the ledger's outcome of its request, else the gate's refusal, else pending. */
const JOINED_COUNTS_SQL = `SELECT CASE WHEN o.event_id IS NOT NULL THEN ${OUTCOME_RESULT_SQL} WHEN g.refused IS NOT NULL THEN 'REFUSED:' || g.refused ELSE 'PENDING' END AS result,
         count(*) AS count
  FROM coupon_grant_users g LEFT JOIN issue_outcomes o ON o.event_id = g.event_id
  WHERE g.grant_id = $1 GROUP BY 1`;

export class GrantStore {
  constructor(private readonly db: pg.Pool) {}

  /**
   * Starts (or restarts: a re-upload, a resumed run) the grant: RUNNING, nothing read yet.
   * `created` is true when the grant is new: no run made any of its requests before, so none is
   * decided; `eventIds` is the scheme its event ids were derived with from its first run on.
   * Throws GrantConflictError if the id belongs to a grant of another coupon, GrantNotFoundError if the coupon does not exist.
   */
  async start(grantId: string, couponId: number): Promise<{ created: boolean; eventIds: GrantEventIdScheme }> {
    let rows: Array<{ created: boolean; event_ids: GrantEventIdScheme }>;
    try {
      ({ rows } = await this.db.query<{ created: boolean; event_ids: GrantEventIdScheme }>(
        `INSERT INTO coupon_grants (id, coupon_id, event_ids) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET status = 'RUNNING', uploaded = false, lines_read = 0, invalid_lines = 0, completed_at = NULL, updated_at = now()
           WHERE coupon_grants.coupon_id = EXCLUDED.coupon_id
         RETURNING xmax = 0 AS created, event_ids`,
        [grantId, couponId, NEW_GRANT_SCHEME],
      ));
    } catch (err) {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new GrantNotFoundError(`coupon ${couponId} does not exist`, { cause: err });
      throw err;
    }
    if (rows.length === 0) throw new GrantConflictError(`grant ${grantId} belongs to another coupon`);
    // xmax is 0 for the row an INSERT made, the updating transaction's id for one ON CONFLICT updated.
    return { created: rows[0]!.created, eventIds: rows[0]!.event_ids };
  }

  /**
   * The requests of `entries` the ledger has already decided, and whether the grant's roster has
   * the user already (then nothing is left to do for it).
   * The roster is probed per user (LATERAL ... LIMIT 1): as an EXISTS, the planner may hash the
   * grant's whole roster once per batch instead — it did whenever the statistics predated the
   * grant (a re-upload or resume right after the first run), reading all 1,000,000 roster rows
   * for each 5,000-user batch (1.6 s a batch against 0.14 s).
   */
  async decided(grantId: string, entries: ReadonlyArray<{ userId: number; eventId: string }>): Promise<Map<string, DecidedRequest>> {
    if (entries.length === 0) return new Map();
    const { rows } = await this.db.query<{ event_id: string; listed: boolean }>(
      `SELECT t.e::text AS event_id, l.listed IS NOT NULL AS listed
       FROM unnest($2::bigint[], $3::uuid[]) AS t(u, e) JOIN issue_outcomes o ON o.event_id = t.e
         LEFT JOIN LATERAL (SELECT true AS listed FROM coupon_grant_users g WHERE g.grant_id = $1 AND g.user_id = t.u LIMIT 1) l ON true`,
      [grantId, pgArray(entries.map((e) => e.userId)), pgArray(entries.map((e) => e.eventId))],
    );
    return new Map(rows.map((r) => [r.event_id, { listed: r.listed }]));
  }

  /**
   * Adds users to the roster (distinct users per call). A user already there keeps its row,
   * except that a refusal gives way to the latest verdict: a user refused by an earlier run
   * (units came back since) and produced by this one is produced.
   * The grant row is locked once per call (FOR KEY SHARE), where a foreign key locked it once per
   * user (migration 005): a grant cannot be deleted under the insert, and none is inserted for a
   * grant that does not exist (GrantNotFoundError).
   */
  async addUsers(grantId: string, entries: readonly RosterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const params = [grantId, pgArray(entries.map((e) => e.userId)), pgArray(entries.map((e) => e.eventId)), pgArray(entries.map((e) => e.line)), entries.map((e) => e.refused)];
    let rows: Array<{ grants: number }>;
    try {
      ({ rows } = await this.db.query<{ grants: number }>(INSERT_USERS, params));
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      ({ rows } = await this.db.query<{ grants: number }>(UPSERT_USERS, params));
    }
    if (rows[0]?.grants !== 1) throw new GrantNotFoundError(`no grant ${grantId}`);
  }

  /** Records how far the upload got (lines read, invalid lines), and whether it is complete. */
  async recordProgress(grantId: string, linesRead: number, invalidLines: number, uploaded = false): Promise<void> {
    await this.db.query('UPDATE coupon_grants SET lines_read = $2, invalid_lines = $3, uploaded = $4, updated_at = now() WHERE id = $1', [grantId, linesRead, invalidLines, uploaded]);
  }

  /**
   * The grant with its counts derived from the roster and the ledger; turns it DONE (counts
   * stored) once uploaded with nothing pending. A DONE grant answers from its stored counts.
   */
  async settle(grantId: string): Promise<Grant> {
    return this.settleRow(await this.row(grantId));
  }

  /** Grants newest first, each as settle() gives it: a DONE one from its stored counts, a RUNNING one counted now. */
  async list(where: GrantListing): Promise<Grant[]> {
    const { rows } = await this.db.query<GrantRow>(
      'SELECT * FROM coupon_grants WHERE $1::bigint IS NULL OR coupon_id = $1 ORDER BY created_at DESC, id LIMIT $2',
      [where.couponId ?? null, where.limit],
    );
    const grants: Grant[] = [];
    // One after another: counting a large RUNNING grant is the heavy part, and the pool is shared.
    for (const row of rows) grants.push(await this.settleRow(row));
    return grants;
  }

  private async settleRow(row: GrantRow): Promise<Grant> {
    if (row.status === 'DONE') return grantOf(row, row.counts);
    const grantId = row.id;
    const range = grantEventIdRange(Number(row.coupon_id), grantId, row.event_ids);
    const { rows } = await this.db.query<{ result: string; count: string }>(
      range ? RANGE_COUNTS_SQL : JOINED_COUNTS_SQL,
      range ? [grantId, range.first, range.last] : [grantId],
    );
    const counts = grantCounts(rows.map((r) => ({ result: r.result, count: Number(r.count) })));
    if (grantStatus(row.uploaded, counts) !== 'DONE') return grantOf(row, counts);
    const done = await this.db.query<GrantRow>(
      `UPDATE coupon_grants SET status = 'DONE', counts = $2, completed_at = now(), updated_at = now()
       WHERE id = $1 AND uploaded AND status = 'RUNNING' RETURNING *`,
      [grantId, counts],
    );
    // A restart in between (uploaded turned false) leaves it RUNNING.
    return grantOf(done.rows[0] ?? row, counts);
  }

  /**
   * Streams the per-user result as CSV (header: user_id, line, result, reason, user_coupon_id,
   * event_id, decided_at) in line order, straight from Postgres (COPY), whatever the grant's size.
   */
  async writeResults(grantId: string, out: Writable): Promise<void> {
    const row = await this.row(grantId);
    // The grant's event-id range keeps Postgres from hashing the whole ledger for the join.
    const range = grantEventIdRange(Number(row.coupon_id), grantId, row.event_ids);
    const client = await this.db.connect();
    try {
      const inRange = range ? ` AND o.event_id BETWEEN ${client.escapeLiteral(range.first)} AND ${client.escapeLiteral(range.last)}` : '';
      const sql = `COPY (SELECT g.user_id, g.line,
                         CASE WHEN o.event_id IS NOT NULL THEN o.outcome WHEN g.refused IS NOT NULL THEN 'REFUSED' ELSE 'PENDING' END AS result,
                         COALESCE(o.reason, g.refused) AS reason, o.user_coupon_id, g.event_id, o.decided_at
                       FROM coupon_grant_users g LEFT JOIN issue_outcomes o ON o.event_id = g.event_id${inRange}
                       WHERE g.grant_id = ${client.escapeLiteral(grantId)} ORDER BY g.line) TO STDOUT WITH (FORMAT csv, HEADER)`;
      await pipeline(client.query(copyTo(sql)), out, { end: false });
    } finally {
      client.release();
    }
  }

  private async row(grantId: string): Promise<GrantRow> {
    const { rows } = await this.db.query<GrantRow>('SELECT * FROM coupon_grants WHERE id = $1', [grantId]);
    if (!rows[0]) throw new GrantNotFoundError(`no grant ${grantId}`);
    return rows[0];
  }
}

function grantOf(row: GrantRow, counts: GrantCounts): Grant {
  return {
    id: row.id,
    couponId: Number(row.coupon_id),
    status: row.status,
    uploaded: row.uploaded,
    linesRead: Number(row.lines_read),
    invalidLines: Number(row.invalid_lines),
    counts,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
