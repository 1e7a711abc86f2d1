/**
 * The labels of `coupon_dlq_records_total`: the coupon (the record's key) and the cause (its
 * errorType). A poison record's key can be anything, so only a coupon id becomes a label value:
 * arbitrary keys would make a series each.
 */
const COUPON_ID = /^[1-9][0-9]{0,18}$/;
const CAUSE = /^[A-Z][A-Z0-9_]{0,63}$/;

export const NOT_A_COUPON = 'none';
export const UNKNOWN_CAUSE = 'UNKNOWN';

export function couponLabel(key: Buffer | string | null | undefined): string {
  const text = key === null || key === undefined ? '' : key.toString();
  return COUPON_ID.test(text) ? text : NOT_A_COUPON;
}

export function causeLabel(errorType: string | undefined): string {
  return errorType !== undefined && CAUSE.test(errorType) ? errorType : UNKNOWN_CAUSE;
}
