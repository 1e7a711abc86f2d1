/**
 * Steps at the gate tried again when Redis fails them, for steps that repeat harmlessly and that
 * nobody answers on: a grant's (a reservation repeated for the same event id answers HELD and is
 * produced again; confirms and hold removals repeat harmlessly) and the confirms of requests
 * already answered 202. A Redis that stalls for a few seconds — a fork for an AOF rewrite of a
 * large gate on a busy machine — then costs a pause, not a failed grant run or a hold left for the
 * reconciler. (A timed-out EVALSHA that meets NOSCRIPT once Redis wakes never ran: only a new try
 * runs it.)
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all (default 4). */
  attempts?: number;
  /** Pause before the second try, doubled before each next one (default 500 ms). */
  firstPauseMs?: number;
  /** Called before each pause with the failure. */
  onRetry?: (err: unknown, attempt: number) => void;
}

export async function withGateRetry<T>(work: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts) throw err;
      policy.onRetry?.(err, attempt);
      await sleep((policy.firstPauseMs ?? 500) * 2 ** (attempt - 1));
    }
  }
}
