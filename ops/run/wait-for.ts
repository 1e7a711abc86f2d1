/** Polling a condition until a deadline: the one polling loop of the ops tools and the tests. */
import { setTimeout as sleep } from 'node:timers/promises';

/** What `waitFor` resolves with: the check's value, minus the falsy values it kept polling past. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `check` until it returns truthy (a throw counts as "not yet") or the deadline passes;
 * rejects with the last error seen. `giveUp` is asked first on every round: a reason it returns
 * ends the wait at once. The one polling loop of the ops tools and the tests.
 */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs: number,
  intervalMs = 250,
  giveUp?: () => string | undefined,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = giveUp?.();
    if (reason) throw new Error(reason, { cause: lastError });
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? lastError.message : 'condition not met';
      throw new Error(`timed out after ${timeoutMs} ms: ${why}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
