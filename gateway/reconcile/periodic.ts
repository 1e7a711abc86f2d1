/**
 * The gateway's periodic reconciliation (GATEWAY_RECONCILE_INTERVAL_MS): every interval, the
 * instance that gets the lock settles the holds older than the settle bound and rebuilds the gates
 * of live coupons missing for longer than that (Redis lost its data), for at most half an interval
 * and not past a shutdown. A failed pass (Redis, Kafka or Postgres down) is logged and tried
 * again at the next interval.
 */
import type { Logger } from 'pino';
import type { RedisLock } from './lock.ts';
import type { CouponReconciliation, Reconciler, Settled } from './reconciler.ts';

export interface PassResults {
  settled: (settled: Settled) => void;
  rebuilt: (rebuilt: CouponReconciliation) => void;
  /** Drift in units per live coupon whose gate held still while measured. */
  drift: (drift: Map<number, number>) => void;
}

export class PeriodicReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastDriftCheck = 0;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly lock: RedisLock,
    private readonly report: PassResults,
    private readonly log: Logger,
  ) {}

  /** Every `intervalMs` a pass; drift is measured at most every `driftIntervalMs` (0 = never). */
  start(intervalMs: number, driftIntervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.pass(intervalMs, driftIntervalMs).finally(() => {
        this.running = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way, which stops rebuilding after its current chunk. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async pass(intervalMs: number, driftIntervalMs: number): Promise<void> {
    try {
      // The lock outlives a slow pass by a margin; a holder that died frees it within that.
      const lockMs = Math.max(10 * intervalMs, 60_000);
      // Rebuilding stops at half an interval, so the next tick finds this pass over and settles
      // the holds on time: a 504 tells its user the outcome is known within the settle bound and
      // one interval, and thousands of gates missing after a data loss take minutes to rebuild.
      const rebuildUntil = Date.now() + intervalMs / 2;
      await this.lock.withLock(lockMs, async () => {
        for (const settled of (await this.reconciler.settleHolds()).values()) this.report.settled(settled);
        const goOn = (): boolean => !this.stopping && Date.now() < rebuildUntil;
        for (const rebuilt of await this.reconciler.rebuildMissingGates(Date.now(), goOn)) this.report.rebuilt(rebuilt);
        if (!this.stopping && driftIntervalMs > 0 && Date.now() - this.lastDriftCheck >= driftIntervalMs) {
          this.lastDriftCheck = Date.now();
          this.report.drift(await this.reconciler.measureDrift());
        }
      });
    } catch (err) {
      this.log.warn({ err }, 'reconciling the gates failed; trying again at the next interval');
    }
  }
}
