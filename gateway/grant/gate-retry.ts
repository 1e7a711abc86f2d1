/**
 * A grant's steps at the gate, tried again when Redis fails them: every one is idempotent for a
 * grant (a reservation repeated for the same event id answers HELD and is produced again; confirms
 * and hold removals repeat harmlessly), so a Redis that stalls for a few seconds — a fork for an
 * AOF rewrite of a gate a million users large, on a busy machine — costs a grant a pause, not a
 * failed run that must start over.
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
