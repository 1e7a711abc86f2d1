/**
 * The processor's committed watermark per partition, read in the background so that an accepted
 * request's queue position costs no Redis round trip of its own. A cached watermark is at most one
 * refresh old; watermarks only grow, so a position computed from it is never too low.
 */
import type { Logger } from 'pino';

export class WatermarkCache {
  /** Partitions seen so far and their last known watermark (undefined: none published yet). */
  private readonly known = new Map<number, number | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private failing = false;

  constructor(
    private readonly read: (partition: number) => Promise<number | undefined>,
    private readonly log: Logger,
  ) {}

  /** The last known watermark; a partition asked for the first time is read at the next refresh. */
  get(partition: number): number | undefined {
    if (!this.known.has(partition)) this.known.set(partition, undefined);
    return this.known.get(partition);
  }

  /** Reads the watermarks of all partitions seen so far; a failed read keeps the previous value. */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const partitions = [...this.known.keys()];
      const results = await Promise.allSettled(partitions.map((p) => this.read(p)));
      let failure: unknown;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') this.known.set(partitions[i]!, r.value);
        else failure = r.reason;
      });
      // Redis outages are reported by the requests that fail; here, once per outage is enough.
      if (failure && !this.failing) this.log.warn({ err: failure }, 'reading watermarks failed; positions use the last known ones');
      this.failing = failure !== undefined;
    } finally {
      this.refreshing = false;
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
