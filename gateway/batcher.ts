/**
 * Gathers calls made during one turn of the event loop (or a window the caller schedules) into
 * one call per key: the requests that arrive together (every socket read in one poll phase) cost
 * one Redis command per coupon instead of one each. Each caller still gets its own answer, or the
 * batch's error — unless it asked for none (add): then the batch's run reports on its own.
 */
export type RunBatch<K, I, R> = (key: K, items: I[]) => Promise<R[]>;

interface Settle<R> {
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

interface Pending<I, R> {
  items: I[];
  /** undefined for an item added without an answer. */
  settle: (Settle<R> | undefined)[];
}

export class Batcher<K, I, R> {
  private queued = new Map<K, Pending<I, R>>();
  private scheduled = false;

  /**
   * `maxItems` bounds one batch (a long Lua script blocks Redis for everybody); `schedule` runs the
   * flush once the current I/O callbacks are done (setImmediate: after the whole poll phase).
   */
  constructor(
    private readonly run: RunBatch<K, I, R>,
    private readonly maxItems: number,
    private readonly schedule: (flush: () => void) => void = setImmediate,
  ) {}

  submit(key: K, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => this.queue(key, item, { resolve, reject }));
  }

  /** Like submit, without an answer: no promise per item where nobody waits (the run reports failures itself). */
  add(key: K, item: I): void {
    this.queue(key, item, undefined);
  }

  private queue(key: K, item: I, settle: Settle<R> | undefined): void {
    let pending = this.queued.get(key);
    if (!pending) {
      pending = { items: [], settle: [] };
      this.queued.set(key, pending);
    }
    pending.settle.push(settle);
    pending.items.push(item);
    if (pending.items.length >= this.maxItems) {
      this.queued.delete(key);
      this.start(key, pending);
    } else if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Runs every queued batch now (a flush scheduled earlier still runs, on whatever is queued by then). */
  flush(): void {
    this.scheduled = false;
    const batches = this.queued;
    this.queued = new Map();
    for (const [key, pending] of batches) this.start(key, pending);
  }

  private start(key: K, { items, settle }: Pending<I, R>): void {
    this.run(key, items).then(
      (results) => {
        if (results.length !== settle.length) {
          const err = new Error(`a batch of ${settle.length} got ${results.length} answers`);
          for (const s of settle) s?.reject(err);
          return;
        }
        for (let i = 0; i < settle.length; i++) settle[i]?.resolve(results[i]!);
      },
      (err: unknown) => {
        for (const s of settle) s?.reject(err);
      },
    );
  }
}
