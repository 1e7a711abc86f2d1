/**
 * What a grant run's failure means for whoever runs it, decided in one place for the admin
 * endpoint's status codes and the operator CLI's retries:
 * - `input`: the file, the grant id or the coupon is wrong; the same run fails the same way again.
 * - `transient`: anything else — Redis, Kafka, the registry or Postgres failed part way, or the
 *   coupon's gate is being rebuilt. Running the same grant again resumes it: its event ids are
 *   deterministic, so nothing is issued twice and no decided user is asked again.
 * And GrantRetries: when the CLI runs a grant again after a transient failure, and when it stops.
 */
import { backoffDelay } from '../backoff.ts';
import { InvalidGrantIdError } from './grant-id.ts';
import { InputTooLargeError } from './grant-input.ts';
import type { GrantProgress } from './grant-progress.ts';
import { GrantConflictError, GrantNotFoundError } from './grant-store.ts';
import { UserColumnMissingError } from './user-lines.ts';

export type GrantFailureKind = 'input' | 'transient';

/** zlib's refusal of a corrupt or truncated gzip input. */
export const isCorruptGzip = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR';
};

const isInputError = (err: unknown): boolean =>
  err instanceof InputTooLargeError ||
  err instanceof UserColumnMissingError ||
  err instanceof GrantConflictError ||
  err instanceof GrantNotFoundError ||
  err instanceof InvalidGrantIdError ||
  isCorruptGzip(err);

/** The error or any of its causes (a CLI step wraps what failed). */
export function grantFailureKind(err: unknown): GrantFailureKind {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (isInputError(e)) return 'input';
  }
  return 'transient';
}

/** Work that needed Redis, Kafka or Postgres to answer (not lines read: a run reads ahead of its first gate call): while it grows, the grant is not failing. */
const workDone = (p: GrantProgress): number => p.alreadyDecided + p.reserved + p.held + p.refused + p.produced + p.decided;

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 15_000;

/**
 * Runs of one grant, each from its first line: after a transient failure the grant runs again,
 * after a pause doubling from 1 s to 15 s, until it has done no work for `retryForMs` (an outage
 * longer than that ends the command, loudly). Work in any run resets the clock and the pauses.
 */
export class GrantRetries {
  private lastWorkingAt: number;
  private pausesSinceWork = 0;
  private run: GrantProgress | undefined;
  private work = 0;

  constructor(
    private readonly retryForMs: number,
    now: number,
  ) {
    this.lastWorkingAt = now;
  }

  /** The current run's progress, as it goes (each run has its own). */
  observe(progress: GrantProgress, now: number): void {
    if (progress !== this.run) {
      this.run = progress;
      this.work = 0;
    }
    const work = workDone(progress);
    if (work > this.work) {
      this.work = work;
      this.lastWorkingAt = now;
      this.pausesSinceWork = 0;
    }
  }

  /** After the current run failed: the pause before the next run, or undefined to give up. */
  afterFailure(err: unknown, now: number): number | undefined {
    if (grantFailureKind(err) === 'input') return undefined;
    const left = this.lastWorkingAt + this.retryForMs - now;
    if (left <= 0) return undefined;
    return Math.min(left, backoffDelay(this.pausesSinceWork++, FIRST_PAUSE_MS, LONGEST_PAUSE_MS));
  }
}
