/**
 * I7: a 202 is a promise. No request answered 202 ends SOLD_OUT; no request answered 503 is
 * issued; a request whose outcome the client does not know (504 OUTCOME_UNKNOWN, or no answer at
 * all) ends either decided (a ledger outcome) or released (the user may ask again) — never held
 * for good, which would lock its user out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { OUTCOME_UNKNOWN, isUnaccepted, userKey, type AcceptedRequest, type IssueAnswer } from './client-answers.ts';
import type { InvariantResult } from './invariants.ts';
import type { TerminalOutcome } from '../../schemas/outcomes.ts';

export interface LedgerRow {
  eventId: string;
  couponId: number;
  userId: number;
  outcome: TerminalOutcome;
  reason: string | null;
}

export async function ledgerRows(db: pg.Pool, couponIds: readonly number[]): Promise<LedgerRow[]> {
  const { rows } = await db.query<{ event_id: string; coupon_id: string; user_id: string; outcome: LedgerRow['outcome']; reason: string | null }>(
    'SELECT event_id, coupon_id, user_id, outcome, reason FROM issue_outcomes WHERE coupon_id = ANY($1)',
    [couponIds],
  );
  return rows.map((r) => ({ eventId: r.event_id, couponId: Number(r.coupon_id), userId: Number(r.user_id), outcome: r.outcome, reason: r.reason }));
}

export interface BrokenPromises {
  /** Answered 202, decided SOLD_OUT. */
  acceptedSoldOut: AcceptedRequest[];
  /** Answered 503, yet the user holds a coupon from a request nobody was told was accepted. */
  refusedIssued: IssueAnswer[];
}

export function brokenPromises(answers: readonly IssueAnswer[], ledger: readonly LedgerRow[]): BrokenPromises {
  const byEvent = new Map(ledger.map((r) => [r.eventId, r]));
  const promised = new Set(answers.flatMap((a) => (a.status === 202 && a.eventId ? [a.eventId] : [])));
  const acceptedSoldOut = answers.flatMap((a) => {
    const row = a.status === 202 && a.eventId ? byEvent.get(a.eventId) : undefined;
    return row?.outcome === 'REJECTED' && row.reason === 'SOLD_OUT' ? [{ couponId: a.couponId, userId: a.userId, eventId: a.eventId! }] : [];
  });
  const issuedUnpromised = new Set(ledger.filter((r) => r.outcome === 'ISSUED' && !promised.has(r.eventId)).map((r) => userKey(r.couponId, r.userId)));
  const refusedIssued = answers.filter((a) => a.status === 503 && issuedUnpromised.has(userKey(a.couponId, a.userId)));
  return { acceptedSoldOut, refusedIssued };
}

/** Where a request the client does not know the fate of ended up. */
export type Settlement = 'decided' | 'released' | 'held' | 'unknown';

/**
 * What a repeated request of the user (a probe) tells, given whether the ledger has an outcome
 * for the user: accepted or refused for quantity/window means the gate no longer holds the user;
 * ALREADY_REQUESTED without a ledger outcome means it still does.
 */
export function settlementOf(probe: IssueAnswer, decided: boolean): Settlement {
  if (decided) return 'decided';
  if (probe.status === 202) return 'released';
  if (probe.status === 409 && (probe.code === 'SOLD_OUT' || probe.code === 'COUPON_NOT_ACTIVE')) return 'released';
  if (probe.status === 409 && probe.code === 'ALREADY_REQUESTED') return 'held';
  return 'unknown';
}

/** One user per coupon whose only answers were unaccepted ones (no 202): the users to settle. */
export function unsettledUsers(answers: readonly IssueAnswer[]): IssueAnswer[] {
  const accepted = new Set(answers.filter((a) => a.status === 202).map((a) => userKey(a.couponId, a.userId)));
  const byUser = new Map<string, IssueAnswer>();
  for (const a of answers) {
    const key = userKey(a.couponId, a.userId);
    // An OUTCOME_UNKNOWN answer is the one I7 judges, so it wins over another unaccepted answer.
    if (isUnaccepted(a) && !accepted.has(key) && (!byUser.has(key) || a.code === OUTCOME_UNKNOWN)) byUser.set(key, a);
  }
  return [...byUser.values()];
}

export interface SettleResult {
  settlements: Map<string, Settlement>;
  /** Probes the gateway accepted: new promises, to be checked like the others. */
  probesAccepted: AcceptedRequest[];
}

/**
 * Probes every unsettled user until each is decided or released, or `deadline` passes; what is
 * still held then is locked out. `decidedUsers` reads the users with a ledger outcome (userKey).
 */
export async function settleUnaccepted(
  users: readonly IssueAnswer[],
  probe: (couponId: number, userId: number) => Promise<IssueAnswer>,
  decidedUsers: () => Promise<Set<string>>,
  deadline: number,
  pauseMs = 1000,
): Promise<SettleResult> {
  const settlements = new Map<string, Settlement>(users.map((u) => [userKey(u.couponId, u.userId), 'unknown']));
  const probesAccepted: AcceptedRequest[] = [];
  for (;;) {
    const decided = await decidedUsers();
    for (const u of users) {
      const key = userKey(u.couponId, u.userId);
      const now = settlements.get(key);
      if (now === 'decided' || now === 'released') continue;
      const answer = decided.has(key) ? undefined : await probe(u.couponId, u.userId);
      const verdict = answer ? settlementOf(answer, false) : 'decided';
      settlements.set(key, verdict);
      if (answer?.status === 202 && answer.eventId) probesAccepted.push({ couponId: u.couponId, userId: u.userId, eventId: answer.eventId });
    }
    const open = [...settlements.values()].some((s) => s === 'held' || s === 'unknown');
    if (!open || Date.now() >= deadline) return { settlements, probesAccepted };
    await sleep(pauseMs);
  }
}

/** Users still held (or never answering) at the deadline. */
export function lockedOut(users: readonly IssueAnswer[], settlements: ReadonlyMap<string, Settlement>): IssueAnswer[] {
  return users.filter((u) => {
    const s = settlements.get(userKey(u.couponId, u.userId));
    return s === 'held' || s === 'unknown';
  });
}

export function i7Result(broken: BrokenPromises, locked: readonly IssueAnswer[]): InvariantResult {
  const unknownLocked = locked.filter((a) => a.code === OUTCOME_UNKNOWN).length;
  return {
    name: 'I7',
    title: 'a 202 is a promise: none ends SOLD_OUT, no 503 is issued, no OUTCOME_UNKNOWN locks its user out',
    held: broken.acceptedSoldOut.length === 0 && broken.refusedIssued.length === 0 && unknownLocked === 0,
    detail: `${broken.acceptedSoldOut.length} accepted ended SOLD_OUT, ${broken.refusedIssued.length} answered 503 were issued, ${unknownLocked} OUTCOME_UNKNOWN left locked out`,
  };
}
