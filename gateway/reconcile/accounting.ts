/**
 * What a coupon's gate should hold, from the truth (docs/gate.md, "Accounting"): every user with a
 * ledger row, a pending request in Kafka or a hold is a requester; every ISSUED request, and every
 * request not yet decided (pending in Kafka, or held), holds a unit. Counted by event id, so a
 * request that is both held and pending (its confirm was lost), or both pending and decided (the
 * processor's offsets are not committed yet), counts once.
 */
import type { TerminalOutcome } from '../../schemas/outcomes.ts';

export interface GateRequest {
  eventId: string;
  userId: number;
}

export interface DecidedRequest extends GateRequest {
  outcome: TerminalOutcome;
}

export interface Accounting {
  reserved: number;
  /** Sorted ascending. */
  requesters: number[];
}

export function expectedAccounting(decided: readonly DecidedRequest[], pending: readonly GateRequest[], holds: readonly GateRequest[]): Accounting {
  const outcome = new Map(decided.map((r) => [r.eventId, r.outcome]));
  const units = new Set(decided.filter((r) => r.outcome === 'ISSUED').map((r) => r.eventId));
  for (const r of [...pending, ...holds]) if (!outcome.has(r.eventId)) units.add(r.eventId);
  const requesters = new Set([...decided, ...pending, ...holds].map((r) => r.userId));
  return { reserved: units.size, requesters: [...requesters].sort((a, b) => a - b) };
}

/**
 * The accounting's reserved count from counts (the drift gauge): the coupon's ISSUED requests, plus
 * every pending or held request the ledger has not decided, once by event id. The same figure as
 * expectedAccounting's, without reading every ledger row of the coupon.
 */
export function expectedReserved(issued: number, pendingAndHeld: readonly GateRequest[], decided: ReadonlySet<string>): number {
  const undecided = new Set<string>();
  for (const r of pendingAndHeld) if (!decided.has(r.eventId)) undecided.add(r.eventId);
  return issued + undecided.size;
}

export interface Drift {
  reserved: { actual: number; expected: number };
  /** Users the gate lacks: they could be admitted twice. */
  missing: number[];
  /** Users the gate holds without any evidence: locked out. */
  phantom: number[];
}

/** How the gate differs from the accounting; undefined when it does not. */
export function driftOf(actual: Accounting, expected: Accounting): Drift | undefined {
  const has = new Set(actual.requesters);
  const wanted = new Set(expected.requesters);
  const missing = expected.requesters.filter((u) => !has.has(u));
  const phantom = actual.requesters.filter((u) => !wanted.has(u));
  if (actual.reserved === expected.reserved && missing.length === 0 && phantom.length === 0) return undefined;
  return { reserved: { actual: actual.reserved, expected: expected.reserved }, missing, phantom };
}
