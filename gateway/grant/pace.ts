/**
 * A grant's optional speed limit (users per second), for a grant run beside a flash sale: the
 * grant shares the processor, the broker and Redis with the sale, and unpaced it takes whatever
 * they give (the sale's p99 rose from tens of ms to most of a second during a bench grant).
 * Paced per batch: a batch enters the gate once the users before it have had their time.
 */
export class Pace {
  /** When the next batch may enter the gate (epoch ms). */
  private next: number;

  constructor(
    private readonly usersPerSecond: number,
    startedMs: number,
  ) {
    this.next = startedMs;
  }

  /**
   * How long to wait, at `nowMs`, before `users` more users may enter the gate. Time a slow batch
   * lost is not made up by a burst afterwards: the pace counts from when a batch actually goes.
   */
  delayFor(users: number, nowMs: number): number {
    const goesAt = Math.max(this.next, nowMs);
    this.next = goesAt + (users * 1000) / this.usersPerSecond;
    return goesAt - nowMs;
  }
}

/** Batches of at most a fifth of a second's users, so a paced grant trickles rather than bursts. */
export const pacedBatchSize = (batchSize: number, usersPerSecond: number | undefined): number =>
  usersPerSecond === undefined ? batchSize : Math.max(1, Math.min(batchSize, Math.ceil(usersPerSecond / 5)));
