/**
 * The gateway's Postgres side: creating coupons, reading a request's terminal outcome from the
 * ledger (issue_outcomes) when Redis has forgotten it, and the admin figures. Postgres is the
 * source of truth; the gateway never writes outcomes.
 */
import type pg from 'pg';
import { openPool } from '../platform/postgres-pool.ts';
import type { Logger } from 'pino';
import type { CouponDefinition } from './validation.ts';
import type { TerminalOutcome } from '../schemas/outcomes.ts';
import { NEW_GRANT_SCHEME, type GrantEventIdScheme } from './grant/grant-id.ts';

/** Grants whose event-id scheme the gateway keeps (they are few; past this, it forgets them all). */
const GRANT_SCHEMES_KEPT = 10_000;

export interface Coupon extends CouponDefinition {
  id: number;
  createdAt: number;
}

export interface LedgerEntry {
  eventId: string;
  outcome: TerminalOutcome;
  reason: string | null;
  userCouponId: number | null;
}

export interface CouponTotals {
  coupon: Coupon;
  /** issued_quantity of the coupon row (what the processor committed). */
  issued: number;
  rejected: number;
  failed: number;
  /** Ledger rows of any outcome: requests the processor has decided. */
  decided: number;
}

interface CouponRow {
  id: string;
  name: string;
  total_quantity: number;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
}

const COUPON_COLUMNS = 'id, name, total_quantity, starts_at, ends_at, created_at';

const toCoupon = (row: CouponRow): Coupon => ({
  id: Number(row.id),
  name: row.name,
  totalQuantity: row.total_quantity,
  startsAt: row.starts_at.getTime(),
  endsAt: row.ends_at?.getTime() ?? null,
  createdAt: row.created_at.getTime(),
});

export class Ledger {
  /** Also read by the reconciler (gateway/reconcile). */
  readonly pool: pg.Pool;
  private readonly grantSchemes = new Map<string, GrantEventIdScheme>();

  constructor(databaseUrl: string, poolSize: number, log: Logger) {
    this.pool = openPool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 2000, query_timeout: 5000, application_name: 'coupon-gateway' }, log);
  }

  /**
   * Inserts the coupon; resolves once the row is committed. Its gate is opened only afterwards
   * (docs/gate.md, "Coupon creation"): a gate open before the commit could accept requests for a
   * coupon that then does not exist.
   */
  async createCoupon(definition: CouponDefinition): Promise<Coupon> {
    const { rows } = await this.pool.query<CouponRow>(
      `INSERT INTO coupons (name, total_quantity, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING ${COUPON_COLUMNS}`,
      [definition.name, definition.totalQuantity, new Date(definition.startsAt), definition.endsAt === null ? null : new Date(definition.endsAt)],
    );
    return toCoupon(rows[0]!);
  }

  /** Whether the coupon exists (its gate may not be open: Redis lost it, or priming failed). */
  async couponExists(couponId: number): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM coupons WHERE id = $1', [couponId]);
    return rows.length > 0;
  }

  /**
   * The terminal outcome of the user's request for the coupon; an ISSUED one wins over later
   * rejections of repeated requests (ALREADY_ISSUED).
   */
  async outcomeOf(couponId: number, userId: number): Promise<LedgerEntry | undefined> {
    const { rows } = await this.pool.query<{ event_id: string; outcome: TerminalOutcome; reason: string | null; user_coupon_id: string | null }>(
      `SELECT event_id, outcome, reason, user_coupon_id FROM issue_outcomes
        WHERE coupon_id = $1 AND user_id = $2
        ORDER BY outcome = 'ISSUED' DESC, decided_at DESC LIMIT 1`,
      [couponId, userId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { eventId: row.event_id, outcome: row.outcome, reason: row.reason, userCouponId: row.user_coupon_id === null ? null : Number(row.user_coupon_id) };
  }

  /**
   * How the grant derives its users' event ids (grant-id.ts): fixed when the grant is created, so
   * kept once read. A grant's users are in Redis only after its row exists; without a row, the scheme of new grants.
   */
  async grantEventIdScheme(grantId: string): Promise<GrantEventIdScheme> {
    const known = this.grantSchemes.get(grantId);
    if (known) return known;
    const { rows } = await this.pool.query<{ event_ids: GrantEventIdScheme }>('SELECT event_ids FROM coupon_grants WHERE id = $1', [grantId]);
    const scheme = rows[0]?.event_ids ?? NEW_GRANT_SCHEME;
    if (this.grantSchemes.size >= GRANT_SCHEMES_KEPT) this.grantSchemes.clear();
    this.grantSchemes.set(grantId, scheme);
    return scheme;
  }

  async totals(couponId: number): Promise<CouponTotals | undefined> {
    const { rows } = await this.pool.query<CouponRow & { issued_quantity: number; rejected: string; failed: string; decided: string }>(
      `SELECT c.id, c.name, c.total_quantity, c.starts_at, c.ends_at, c.created_at, c.issued_quantity,
              count(o.event_id) FILTER (WHERE o.outcome = 'REJECTED') AS rejected,
              count(o.event_id) FILTER (WHERE o.outcome = 'FAILED') AS failed,
              count(o.event_id) AS decided
         FROM coupons c LEFT JOIN issue_outcomes o ON o.coupon_id = c.id
        WHERE c.id = $1
        GROUP BY c.id`,
      [couponId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { coupon: toCoupon(row), issued: row.issued_quantity, rejected: Number(row.rejected), failed: Number(row.failed), decided: Number(row.decided) };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
