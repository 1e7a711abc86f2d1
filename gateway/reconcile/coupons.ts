/** The coupons a reconciliation looks at, from Postgres (the truth about which coupons exist). */
import type pg from 'pg';
import type { GateWindow } from '../gate.ts';

export interface CouponWindow extends GateWindow {
  id: number;
  /** Units issued so far: about the ledger rows of the coupon (the gate lets few requests through that are then refused). */
  issued: number;
}

/** How long after its window closed a coupon still counts as live: its last requests may still be pending. */
const LIVE_AFTER_END = '1 day';

type Row = { id: string; total_quantity: number; issued_quantity: number; starts_at: Date; ends_at: Date | null };

const toWindow = (r: Row): CouponWindow => ({ id: Number(r.id), totalQuantity: r.total_quantity, issued: r.issued_quantity, startsAt: r.starts_at.getTime(), endsAt: r.ends_at?.getTime() ?? null });

/** Coupons whose window is open, not yet open, or closed less than a day ago. */
export async function liveCoupons(db: Pick<pg.Pool, 'query'>): Promise<CouponWindow[]> {
  const { rows } = await db.query<Row>(`SELECT id, total_quantity, issued_quantity, starts_at, ends_at FROM coupons WHERE ends_at IS NULL OR ends_at > now() - interval '${LIVE_AFTER_END}' ORDER BY id`);
  return rows.map(toWindow);
}

/** The named coupons that exist (missing ids are left out). */
export async function couponsById(db: Pick<pg.Pool, 'query'>, ids: readonly number[]): Promise<CouponWindow[]> {
  const { rows } = await db.query<Row>('SELECT id, total_quantity, issued_quantity, starts_at, ends_at FROM coupons WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
  return rows.map(toWindow);
}
