/**
 * A request's status as Redis keeps it: one string, the value of the user's field in the coupon's
 * statuses hash (redisKeys.statuses). The gate writes PENDING (gateway/lua/reserve-many.lua) and
 * adds the record's position (confirm-many.lua); the processor writes the terminal outcome; the
 * status endpoint and the reconciler read it. The Lua scripts write and read this same format.
 *
 *   `<initial><eventId>\t<detail>`: the state's initial (P, I, R, F), the event id (a UUID: no tab),
 *   a tab, then per state —
 *     PENDING    `<heldAt>`, and `\t<partition>\t<offset>` once its record is in Kafka
 *     ISSUED     `<userCouponId>`
 *     REJECTED   `<reason>`      FAILED   `<reason>` (the rest of the string, tabs and all)
 *
 * One field a user in one hash a coupon instead of a hash a user with three fields and a TTL of its
 * own: a status then costs Redis one field of a multi-field HSET — 1.3-1.7 µs instead of 9 for the
 * script that created a hash a user (docs/performance-log.md) — and about half the memory.
 */
import type { RequestState, RequestStatusFields } from './redis-keys.ts';
import type { TerminalOutcome } from './outcomes.ts';

const INITIALS: Record<RequestState, string> = { PENDING: 'P', ISSUED: 'I', REJECTED: 'R', FAILED: 'F' };
const STATES: Record<string, RequestState> = Object.fromEntries(Object.entries(INITIALS).map(([state, initial]) => [initial, state as RequestState]));

/** A decided request's status value: the processor's write. */
export function packTerminalStatus(o: { outcome: TerminalOutcome; eventId: string; reason: string | null; userCouponId: number | null }): string {
  return `${INITIALS[o.outcome]}${o.eventId}\t${o.outcome === 'ISSUED' ? String(o.userCouponId ?? '') : (o.reason ?? '')}`;
}

/** A PENDING status value as the gate writes it (and, with `at`, as confirm-many.lua leaves it). */
export function packPendingStatus(eventId: string, heldAt: number, at?: { partition: number; offset: number }): string {
  return `P${eventId}\t${heldAt}${at ? `\t${at.partition}\t${at.offset}` : ''}`;
}

/** The fields of a status value (all strings, as the status endpoint reads them); empty when there is none or it is unreadable. */
export function unpackStatus(value: string | null | undefined): Partial<RequestStatusFields> {
  const state = value ? STATES[value[0]!] : undefined;
  const tab = value?.indexOf('\t') ?? -1;
  if (!value || !state || tab < 2) return {};
  const eventId = value.slice(1, tab);
  const detail = value.slice(tab + 1);
  switch (state) {
    case 'PENDING': {
      const [heldAt, partition, offset] = detail.split('\t');
      return { status: state, eventId, heldAt, ...(partition !== undefined && offset !== undefined ? { partition, offset } : {}) };
    }
    case 'ISSUED':
      return { status: state, eventId, userCouponId: detail };
    default:
      return { status: state, eventId, reason: detail };
  }
}
