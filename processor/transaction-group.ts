/**
 * Group commit: the units that partitions finish while a transaction commits go into the next
 * transaction together (Kafka Streams commits all of a thread's tasks in one transaction). With
 * several partitions in flight a record waits for one commit, not for one per partition in a row,
 * and the transaction's fixed cost (offsets to the coordinator, commit markers) is paid once.
 * Units of one partition never meet in a group: a partition hands in its next unit only after the
 * previous one committed (pipeline.ts). A failed transaction fails every unit in it.
 */
export class TransactionGroup<U> {
  private waiting: Array<{ unit: U; resolve: () => void; reject: (err: unknown) => void }> = [];
  private committing = false;

  constructor(private readonly commit: (units: U[]) => Promise<void>) {}

  /** Resolves once a transaction holding `unit` committed; rejects with that transaction's error. */
  submit(unit: U): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      if (!this.committing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.committing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0);
        try {
          await this.commit(group.map((w) => w.unit));
          for (const w of group) w.resolve();
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.committing = false;
    }
  }
}
