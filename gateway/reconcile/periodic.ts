/**
 * The gateway's periodic reconciliation (GATEWAY_RECONCILE_INTERVAL_MS): every interval, the
 * instance that gets the lock settles the holds older than the settle bound and rebuilds the gates
 * of live coupons missing for longer than that (Redis lost its data), for at most half an interval
 * and not past a shutdown. A failed pass (Redis, Kafka or Postgres down) is logged and tried
 * again at the next interval. A pass still running when its lock has expired is left behind (a
 * call that never returns must not end reconciling for good): the next interval starts a new one.
 * Every pass's result is reported (coupon_gateway_reconcile_passes_total, the
 * CouponReconcilerNotCompleting alert).
 */
import type { Logger } from 'pino';
import type { RedisLock } from './lock.ts';
import type { CouponReconciliation, Reconciler, Settled } from './reconciler.ts';

/**
 * completed: this instance held the lock and finished; skipped: another instance holds the lock;
 * failed: an error, logged; abandoned: still running when its lock expired.
 */
export const PASS_RESULTS = ['completed', 'skipped', 'failed', 'abandoned'] as const;
export type PassResult = (typeof PASS_RESULTS)[number];

export interface PassResults {
  settled: (settled: Settled) => void;
  rebuilt: (rebuilt: CouponReconciliation) => void;
  /** Drift in units per live coupon whose gate held still while measured. */
  drift: (drift: Map<number, number>) => void;
  pass: (result: PassResult) => void;
}

/** How long a pass may hold the lock: it outlives a slow pass by a margin; a holder that died frees it within that. */
export const passLockMs = (intervalMs: number): number => Math.max(10 * intervalMs, 60_000);

interface RunningPass {
  startedAt: number;
  done: Promise<void>;
}

export class PeriodicReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: RunningPass | undefined;
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
    const lockMs = passLockMs(intervalMs);
    this.timer = setInterval(() => {
      const now = Date.now();
      if (this.running && now - this.running.startedAt >= lockMs) this.abandon(this.running, lockMs);
      if (this.running) return;
      const pass: RunningPass = {
        startedAt: now,
        done: this.pass(intervalMs, driftIntervalMs, lockMs).then((result) => {
          if (this.running !== pass) {
            this.log.warn({ result, seconds: (Date.now() - now) / 1000 }, 'a reconcile pass left behind has ended');
            return;
          }
          this.running = undefined;
          this.report.pass(result);
        }),
      };
      this.running = pass;
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way, which stops rebuilding after its current chunk. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.done;
  }

  private abandon(pass: RunningPass, lockMs: number): void {
    this.running = undefined;
    this.report.pass('abandoned');
    this.log.error(
      { seconds: (Date.now() - pass.startedAt) / 1000, lockSeconds: lockMs / 1000 },
      'a reconcile pass is still running after its lock expired (a call to Redis, Kafka or Postgres that never returned?): left behind, the next pass starts now',
    );
  }

  private async pass(intervalMs: number, driftIntervalMs: number, lockMs: number): Promise<PassResult> {
    try {
      // Rebuilding stops at half an interval, so the next tick finds this pass over and settles
      // the holds on time: a 504 tells its user the outcome is known within the settle bound and
      // one interval, and thousands of gates missing after a data loss take minutes to rebuild.
      const rebuildUntil = Date.now() + intervalMs / 2;
      const held = await this.lock.withLock(lockMs, async () => {
        for (const settled of (await this.reconciler.settleHolds()).values()) this.report.settled(settled);
        const goOn = (): boolean => !this.stopping && Date.now() < rebuildUntil;
        for (const rebuilt of await this.reconciler.rebuildMissingGates(Date.now(), goOn)) this.report.rebuilt(rebuilt);
        if (!this.stopping && driftIntervalMs > 0 && Date.now() - this.lastDriftCheck >= driftIntervalMs) {
          this.lastDriftCheck = Date.now();
          this.report.drift(await this.reconciler.measureDrift());
        }
      });
      return held ? 'completed' : 'skipped';
    } catch (err) {
      this.log.warn({ err }, 'reconciling the gates failed; trying again at the next interval');
      return 'failed';
    }
  }
}
