/**
 * What `GET /api/coupons/:couponId/issue/:userId` answers, built from whichever source knows:
 * the user's status in Redis (written by the gate, then by the processor) or the ledger row.
 */
import type { RequestState, RequestStatusFields } from '../schemas/redis-keys.ts';
import type { LedgerEntry } from './ledger.ts';
import { parseStoredInteger, queuePosition } from './position.ts';
import { TERMINAL_OUTCOMES } from '../schemas/outcomes.ts';
import { grantEventId, type GrantEventIdScheme } from './grant/grant-id.ts';

export type StatusView =
  | { status: 'PENDING'; eventId: string; /** null until the gateway has recorded the record's offset. */ position: number | null }
  | { status: 'ISSUED'; eventId: string; userCouponId: number | null }
  | { status: 'REJECTED'; eventId: string; reason: string | null }
  | { status: 'FAILED'; eventId: string; reason: string | null }
  | { status: 'NOT_REQUESTED' };

/** A status read from Redis (schemas/status-value.ts): any field may be missing. */
type StoredStatus = Partial<Record<keyof RequestStatusFields, string>>;

const STATES: ReadonlySet<string> = new Set<RequestState>(['PENDING', ...TERMINAL_OUTCOMES]);

/** The partition of a PENDING request's record, when it is known: its watermark is needed next. */
export function pendingPartition(fields: StoredStatus): number | undefined {
  return fields.status === 'PENDING' ? parseStoredInteger(fields.partition) : undefined;
}

/**
 * The view of a user's status in Redis, or undefined when there is none or it is unusable (the caller
 * then asks the ledger). `watermark` is the committed watermark of the request's partition.
 */
export function viewOfRedisStatus(fields: StoredStatus, watermark: number | undefined): StatusView | undefined {
  const { status, eventId } = fields;
  if (status === undefined || !STATES.has(status) || !eventId) return undefined;
  switch (status as RequestState) {
    case 'PENDING': {
      const offset = parseStoredInteger(fields.offset);
      return { status: 'PENDING', eventId, position: offset === undefined || offset < 0 ? null : queuePosition(offset, watermark) };
    }
    case 'ISSUED':
      return { status: 'ISSUED', eventId, userCouponId: parseStoredInteger(fields.userCouponId) ?? null };
    case 'REJECTED':
      return { status: 'REJECTED', eventId, reason: fields.reason ?? null };
    case 'FAILED':
      return { status: 'FAILED', eventId, reason: fields.reason ?? null };
  }
}

/**
 * Whether a status Redis still has as PENDING should be checked against the ledger: its record is
 * at or below the processor's committed watermark (processed, but the processor's status write
 * did not reach Redis), or it has been PENDING for longer than `afterMs`.
 */
export function pendingNeedsLedger(fields: StoredStatus, watermark: number | undefined, nowMs: number, afterMs: number): boolean {
  if (fields.status !== 'PENDING') return false;
  const offset = parseStoredInteger(fields.offset);
  if (offset !== undefined && offset >= 0 && watermark !== undefined && offset <= watermark) return true;
  const heldAt = parseStoredInteger(fields.heldAt);
  return heldAt !== undefined && nowMs - heldAt >= afterMs;
}

/**
 * The ledger's answer to a request Redis says is PENDING, when it has one: the terminal outcome of
 * that same request, or an ISSUED of the user (the coupon the user holds wins over anything else).
 */
export function ledgerOverridesPending(pending: { eventId: string }, entry: LedgerEntry | undefined): StatusView | undefined {
  if (!entry || (entry.eventId !== pending.eventId && entry.outcome !== 'ISSUED')) return undefined;
  return viewOfLedgerEntry(entry);
}

/** A grant's request holding the user (the coupon's grants hash names the grant), its event ids derived by `eventIds`. */
export interface PendingGrant {
  couponId: number;
  userId: number;
  grantId: string;
  eventIds: GrantEventIdScheme;
}

/**
 * The view of the ledger's entry for a user; without one, the grant request holding the user
 * (a grant's users have no status in Redis) is PENDING, without a queue position: nobody waits in line for it.
 */
export function viewOfLedgerEntry(entry: LedgerEntry | undefined, grant?: PendingGrant): StatusView {
  if (!entry && grant) return { status: 'PENDING', eventId: grantEventId(grant.couponId, grant.grantId, grant.userId, grant.eventIds), position: null };
  if (!entry) return { status: 'NOT_REQUESTED' };
  if (entry.outcome === 'ISSUED') return { status: 'ISSUED', eventId: entry.eventId, userCouponId: entry.userCouponId };
  return { status: entry.outcome, eventId: entry.eventId, reason: entry.reason };
}
