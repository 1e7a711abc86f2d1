/**
 * How long the units in flight have gone without one finishing or failing. A call that never
 * returns (a librdkafka call past its own timeout, a socket nobody closes) neither fails nor
 * succeeds, so the failure clock never starts: this one does, and the loop's health and stall
 * bound read the longer of the two.
 */
export class StuckWatch {
  private inFlight = 0;
  private lastOutcomeAt = 0;

  /** A partition's units start being processed. */
  begin(now: number): void {
    if (this.inFlight++ === 0) this.lastOutcomeAt = now;
  }

  /** A partition's units stopped being processed (its queue ran dry, it failed, it was revoked). */
  end(): void {
    this.inFlight--;
  }

  /** A unit committed or failed (at `at`; a back-off's end counts as one): the loop is not stuck. */
  outcome(at: number): void {
    this.lastOutcomeAt = at;
  }

  stuckFor(now: number): number {
    return this.inFlight === 0 ? 0 : Math.max(0, now - this.lastOutcomeAt);
  }
}
