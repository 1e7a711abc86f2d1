/** Retrying start-up steps and reconnects: back off with jitter until a deadline, then give up loudly. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffMs, classify, FatalProcessorError } from './errors.ts';

/**
 * Runs `work` until it succeeds. Every failure but a zombie is retried (a broker still loading its
 * coordinator, a registry restarting); after `deadlineMs` the last error is wrapped in a
 * FatalProcessorError so the process exits with a message naming the step.
 */
export async function retryUntil<T>(what: string, deadlineMs: number, log: Logger, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (classify(err) === 'zombie') throw err;
      if (Date.now() > deadline) throw new FatalProcessorError(`${what} kept failing for ${deadlineMs} ms: ${(err as Error).message}`, { cause: err });
      const wait = backoffMs(attempt, 200, 5000);
      log.warn({ err, attempt, retryInMs: wait }, `${what} failed; retrying`);
      await sleep(wait);
    }
  }
}
