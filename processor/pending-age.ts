/**
 * How long the oldest uncommitted request of a partition has waited, estimated from the lag
 * samples alone (no record is read): if at time t the partition's end offset was at or below the
 * committed position, the first uncommitted record was produced after t. The estimate is therefore
 * at most one sampling interval too high, never too low, except before the first such sample
 * (a backlog found at start-up), when it counts from the first sample.
 */
interface Sample {
  at: number;
  end: number;
}

export class PendingAge {
  /** Oldest first; starts with the latest sample whose end was at or below the committed position. */
  private samples: Sample[] = [];

  /** Records a sample and returns the age in seconds of the oldest record at or above `committed` (0 when none). */
  observe(at: number, end: number, committed: number): number {
    this.samples.push({ at, end });
    let covered = -1;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i]!.end <= committed) {
        covered = i;
        break;
      }
    }
    if (covered > 0) this.samples = this.samples.slice(covered);
    if (end <= committed) return 0;
    return (at - this.samples[0]!.at) / 1000;
  }
}
