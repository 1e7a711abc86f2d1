/**
 * How far a grant's upload runs ahead of the processor (pure). Every request of a grant is on its
 * coupon's one partition: an upload faster than the processor piles them up there, in front of
 * any sale request of the same coupon, and at the end the processor decides the pile alone,
 * which one partition's chain of decisions does not fill the machine with (a million-user grant
 * spent its last 6-10 s so, 1.5-1.8 of 2 cores busy). So the next batch enters the gate only once
 * at most `maxUndecided` of the grant's produced requests wait — unless the processor stopped
 * deciding: then the upload goes on (Kafka keeps the requests) until it decides again.
 */

export interface BacklogReading {
  /** Produced requests of this run the watermarks show undecided. */
  undecided: number;
  /** Produced requests of this run the watermarks show decided. */
  decided: number;
  now: number;
}

export type BacklogVerdict = 'go' | 'wait' | 'stalled';

export class Backlog {
  /** The decided count at which the processor was found stalled; undefined while it moves. */
  private stalledAt: number | undefined;
  private lastDecided = -1;
  private lastAdvanceAt = 0;

  constructor(
    private readonly maxUndecided: number,
    /** How long the decided count may stand still while the upload waits before it goes on. */
    private readonly stallMs: number,
  ) {}

  /** Whether the next batch may go now ('stalled': it goes, and the upload stops waiting until the processor moves again). */
  verdict(r: BacklogReading): BacklogVerdict {
    const advanced = r.decided > this.lastDecided;
    if (advanced) {
      this.lastDecided = r.decided;
      this.lastAdvanceAt = r.now;
    }
    if (this.stalledAt !== undefined && r.decided > this.stalledAt) this.stalledAt = undefined;
    if (r.undecided <= this.maxUndecided || this.stalledAt !== undefined) return 'go';
    if (!advanced && r.now - this.lastAdvanceAt >= this.stallMs) {
      this.stalledAt = r.decided;
      return 'stalled';
    }
    return 'wait';
  }
}
