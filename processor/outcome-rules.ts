/**
 * The issuance rules for one request, as a pure function. Single mode applies them record by record;
 * batch mode applies the same rules set-based in sql/merge.sql (the tests hold both to one result).
 */
import type { RejectionReason } from '../schemas/contracts.ts';

export interface CouponState {
  totalQuantity: number;
  issuedQuantity: number;
  startsAt: number;
  /** null: open-ended. */
  endsAt: number | null;
}

export type Decision = { outcome: 'ISSUED' } | { outcome: 'REJECTED'; reason: RejectionReason };

export function decide(coupon: CouponState | null, userHoldsCoupon: boolean, requestedAt: number): Decision {
  if (!coupon) return { outcome: 'REJECTED', reason: 'COUPON_NOT_FOUND' };
  if (requestedAt < coupon.startsAt || (coupon.endsAt !== null && requestedAt >= coupon.endsAt)) {
    return { outcome: 'REJECTED', reason: 'COUPON_NOT_ACTIVE' };
  }
  if (userHoldsCoupon) return { outcome: 'REJECTED', reason: 'ALREADY_ISSUED' };
  if (coupon.issuedQuantity >= coupon.totalQuantity) return { outcome: 'REJECTED', reason: 'SOLD_OUT' };
  return { outcome: 'ISSUED' };
}
