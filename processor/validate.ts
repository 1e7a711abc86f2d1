/** The field rules a decoded request must meet beyond its Avro types. */
import type { CouponIssueRequested } from '../schemas/contracts.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Requests stamped more than this far in the future are refused (clock skew tolerance). */
const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * Field rules a decoded request must meet beyond its Avro types. Returns the problem, or null.
 * (A request without a usable event id cannot be keyed in the ledger: the caller dead-letters it.)
 */
export function requestProblem(request: CouponIssueRequested, now: number): string | null {
  if (!isUuid(request.eventId)) return `eventId "${request.eventId.slice(0, 64)}" is not a UUID`;
  if (!Number.isSafeInteger(request.couponId) || request.couponId <= 0) return `couponId ${request.couponId} is not a positive integer`;
  if (!Number.isSafeInteger(request.userId) || request.userId <= 0) return `userId ${request.userId} is not a positive integer`;
  if (!Number.isSafeInteger(request.requestedAt) || request.requestedAt <= 0) return `requestedAt ${request.requestedAt} is not a valid time`;
  if (request.requestedAt > now + MAX_FUTURE_SKEW_MS) return `requestedAt ${new Date(request.requestedAt).toISOString()} is in the future`;
  return null;
}
