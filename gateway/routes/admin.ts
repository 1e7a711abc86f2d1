/**
 * The admin API (the bearer-token check runs before these handlers, see app.ts):
 * `POST /api/admin/coupons` creates a coupon in Postgres and, once it is committed, opens its Redis gate;
 * `GET /api/admin/coupons/:id` reports its live figures from both;
 * bulk grants (admin-grants.ts) in a scope of their own, for their streamed body types.
 */
import type { GatewayApp, GatewayDeps } from '../deps.ts';
import { ApiError, unavailable } from '../errors.ts';
import type { Coupon, CouponTotals } from '../ledger.ts';
import { parseCouponDefinition, parsePathId } from '../validation.ts';
import type { GateFigures } from '../gate.ts';
import { grantRoutes } from './admin-grants.ts';

export interface CouponResource {
  id: number;
  name: string;
  totalQuantity: number;
  startsAt: string;
  endsAt: string | null;
  createdAt: string;
}

export interface CouponFigures extends CouponResource {
  /** The gate knows the coupon (requests can be accepted). */
  gateOpen: boolean;
  /** Units reserved at the gate: requests accepted (202), decided or not. */
  reserved: number;
  /** Units the gate can still hand out. */
  remaining: number;
  /** Issued in Postgres (committed by the processor). */
  issued: number;
  /** Accepted at the gate, not yet decided by the processor. */
  pending: number;
  rejected: number;
  failed: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function resource(coupon: Coupon): CouponResource {
  return {
    id: coupon.id,
    name: coupon.name,
    totalQuantity: coupon.totalQuantity,
    startsAt: new Date(coupon.startsAt).toISOString(),
    endsAt: iso(coupon.endsAt),
    createdAt: new Date(coupon.createdAt).toISOString(),
  };
}

/** The admin view of a coupon from the ledger's totals and the gate's counters. */
export function couponFigures(totals: CouponTotals, gate: GateFigures): CouponFigures {
  const total = totals.coupon.totalQuantity;
  return {
    ...resource(totals.coupon),
    gateOpen: gate.primed,
    reserved: gate.reserved,
    remaining: Math.max(0, total - gate.reserved),
    issued: totals.issued,
    pending: Math.max(0, gate.reserved - totals.decided),
    rejected: totals.rejected,
    failed: totals.failed,
  };
}

export function adminRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { gate, ledger, config } = deps;
  const redisDown = (err: unknown): ApiError => unavailable('REDIS_UNAVAILABLE', 'the gate (Redis) cannot be reached', config.retryAfterSeconds, err);
  const databaseDown = (err: unknown): ApiError => unavailable('DATABASE_UNAVAILABLE', 'the database cannot be reached', config.retryAfterSeconds, err);

  app.post('/api/admin/coupons', async (request, reply) => {
    const definition = parseCouponDefinition(request.body, Date.now());
    let coupon: Coupon;
    try {
      coupon = await ledger.createCoupon(definition);
    } catch (err) {
      throw databaseDown(err);
    }
    // Only a committed coupon gets a gate.
    try {
      await gate.prime(coupon.id, coupon);
    } catch (err) {
      throw unavailable(
        'REDIS_UNAVAILABLE',
        `coupon ${coupon.id} was created but its gate (Redis) could not be opened: requests get 404 until \`npm run ops -- gate rebuild --coupon ${coupon.id}\` opens it`,
        config.retryAfterSeconds,
        err,
      );
    }
    request.log.info({ couponId: coupon.id, totalQuantity: coupon.totalQuantity }, 'coupon created');
    request.outcome = 'CREATED';
    return reply.code(201).header('location', `/api/admin/coupons/${coupon.id}`).send(resource(coupon));
  });

  app.get<{ Params: { id: string } }>('/api/admin/coupons/:id', async (request): Promise<CouponFigures> => {
    const couponId = parsePathId(request.params.id, 'INVALID_COUPON_ID', 'id');
    const [totals, figures] = await Promise.all([ledger.totals(couponId).catch((err: unknown) => Promise.reject(databaseDown(err))), gate.figures(couponId).catch((err: unknown) => Promise.reject(redisDown(err)))]);
    if (!totals) throw new ApiError(404, 'COUPON_NOT_FOUND', `coupon ${couponId} does not exist`);
    return couponFigures(totals, figures);
  });

  void app.register(async (grantsApi) => grantRoutes(grantsApi, deps));
}
