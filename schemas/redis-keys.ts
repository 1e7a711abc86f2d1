/**
 * The Redis layout shared by the gateway (writes the gate and PENDING statuses) and the processor
 * (writes terminal statuses and watermarks). Every key of a coupon carries the hash tag `{c:<id>}`
 * so a coupon's keys live in one Redis Cluster slot and one Lua script can touch them all.
 */
import { TOPICS } from './topics.ts';
import type { TerminalOutcome } from '../schemas/outcomes.ts';

export const STATUS_TTL_SECONDS = 24 * 60 * 60;

export const couponTag = (couponId: number): string => `{c:${couponId}}`;

export const redisKeys = {
  /** Hash: total, startsAt, endsAt (epoch ms, 0 = open-ended). Present = the coupon exists at the gate. */
  gate: (couponId: number) => `${couponTag(couponId)}:gate`,
  /** Counter: units reserved at the gate (accepted requests). */
  reserved: (couponId: number) => `${couponTag(couponId)}:reserved`,
  /** Set: user ids that have an accepted request for the coupon. */
  requesters: (couponId: number) => `${couponTag(couponId)}:users`,
  /**
   * Sorted set of holds: member `<userId>:<eventId>` (a 'grant-user' grant's: `<userId>:#<code>`,
   * grantHoldMember), score = epoch ms of the reservation. A hold is a unit reserved for a request
   * whose record nobody has yet seen reach Kafka (docs/gate.md).
   */
  holds: (couponId: number) => `${couponTag(couponId)}:holds`,
  /**
   * Counter bumped by every successful reserve and release, never decremented: the version a
   * reconciler's fix is guarded by (applied only if it did not move since the snapshot).
   */
  seq: (couponId: number) => `${couponTag(couponId)}:seq`,
  /**
   * Hash: user id → the code of the bulk grant whose request holds the user (a grant's users have
   * no status hash: docs/gate.md). TTL STATUS_TTL_SECONDS from the grant's last reservation.
   */
  grants: (couponId: number) => `${couponTag(couponId)}:grants`,
  /**
   * Hash: the coupon's grants by short code — `<grantId>` → `#<n>`, `#<n>` → grant id, `#` the
   * last n given — so that the grants hash stores a few bytes a user instead of the grant's id (no
   * grant id has a '#'). No TTL, like the holds that name a grant by its code.
   */
  grantCodes: (couponId: number) => `${couponTag(couponId)}:grant-codes`,
  /**
   * Hash: user id → the user's request status, one string (schemas/status-value.ts). TTL
   * STATUS_TTL_SECONDS from the coupon's last status write (the gate's PENDING or the processor's).
   */
  statuses: (couponId: number) => `${couponTag(couponId)}:statuses`,
  /**
   * String: the highest offset of the requests topic partition that the processor has committed
   * (inclusive). A PENDING request at offset o has position o - watermark in its partition's queue.
   */
  watermark: (partition: number) => `watermark:${TOPICS.requests}:${partition}`,
} as const;

export type RequestState = 'PENDING' | TerminalOutcome;

/** A status's fields, as schemas/status-value.ts unpacks a user's status string. */
export interface RequestStatusFields {
  status: RequestState;
  eventId: string;
  /** Partition and offset of the request record, once produced. */
  partition?: string;
  offset?: string;
  /** Rejection reason or failure cause. */
  reason?: string;
  userCouponId?: string;
  /** Epoch ms the gate reserved the request (PENDING statuses written by the gateway). */
  heldAt?: string;
}

/** The member of a coupon's holds set for one request. */
export const holdMember = (userId: number, eventId: string): string => `${userId}:${eventId}`;

/**
 * The member of a coupon's holds set for a bulk grant's request: the user and the grant's code
 * (`#<n>`, redisKeys.grantCodes) instead of the event id, which the grant and the user give
 * (docs/gate.md). A third of the bytes: a grant's hold is written and removed once per user.
 */
export const grantHoldMember = (userId: number, grantCode: string): string => `${userId}:${grantCode}`;

/** Whether a grants-hash value or a holds member's tail is a grant's code (`#<n>`); no grant id or event id has a '#'. */
export const isGrantCode = (text: string): boolean => text.length > 1 && text.startsWith('#');

/** What a holds member names: a request by its event id, or a grant's request by the grant's code. */
export type HoldRef = { userId: number; eventId: string } | { userId: number; grantCode: string };

/** The user and request of a holds member, or undefined if it is not one. */
export function parseHoldMember(member: string): HoldRef | undefined {
  const colon = member.indexOf(':');
  const userId = Number(member.slice(0, colon));
  const ref = member.slice(colon + 1);
  if (!(colon > 0 && Number.isSafeInteger(userId) && userId > 0 && ref)) return undefined;
  if (isGrantCode(ref)) return { userId, grantCode: ref };
  return ref.startsWith('#') ? undefined : { userId, eventId: ref };
}
