/** What clients were told: the answers of the issue endpoint as a load run records them. */

/** One answer of `POST /api/coupons/:couponId/issue`. `status` 0: no answer (connection lost, timed out). */
export interface IssueAnswer {
  couponId: number;
  userId: number;
  status: number;
  /** The error code of a refusal (`error.code`), or the client's error for status 0. */
  code?: string;
  /** Present on a 202. */
  eventId?: string;
}

/** A request the gateway answered 202: a promise of exactly one outcome. */
export interface AcceptedRequest {
  couponId: number;
  userId: number;
  eventId: string;
}

export const OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN';

export function acceptedOf(answers: readonly IssueAnswer[]): AcceptedRequest[] {
  return answers.flatMap((a) => (a.status === 202 && a.eventId ? [{ couponId: a.couponId, userId: a.userId, eventId: a.eventId }] : []));
}

/**
 * The answers that did not accept the request and did not refuse it for a business reason either.
 * A refused connection is left out: the request never reached a gateway.
 */
export function isUnaccepted(a: IssueAnswer): boolean {
  return (a.status === 0 && a.code !== 'ECONNREFUSED') || a.status >= 500;
}

export const userKey = (couponId: number, userId: number): string => `${couponId}:${userId}`;
