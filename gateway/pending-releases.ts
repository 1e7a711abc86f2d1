/**
 * Releases retried in the background (docs/gate.md, "lost replies"). A reserve whose reply never
 * came may still run later — Redis stalled, or the reply was lost with the connection — so its
 * release is tried at once and then again with backoff until it succeeds or `giveUpAfterMs`
 * passes; release.lua is guarded by the request's hold, so a release that comes too early (the
 * reserve has not run yet) or twice does nothing. Whatever this misses, the reconciler settles.
 */
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.ts';

export type Release = (couponId: number, userId: number, eventId: string) => Promise<boolean>;

export interface PendingReleasesOptions {
  giveUpAfterMs: number;
  /** Beyond this many requests being retried, new ones are left to the reconciler. */
  maxPending: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class PendingReleases {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly release: Release,
    private readonly options: PendingReleasesOptions,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.timers.size;
  }

  /**
   * Tries the release once (resolving with whether it released) and, unless it did, keeps
   * retrying in the background. Never rejects.
   */
  async start(couponId: number, userId: number, eventId: string): Promise<boolean> {
    if (await this.attempt(couponId, userId, eventId)) return true;
    if (this.timers.size >= this.options.maxPending) {
      this.log.warn({ couponId, userId, eventId, pending: this.timers.size }, 'too many releases pending; leaving this one to the reconciler');
      return false;
    }
    this.schedule(couponId, userId, eventId, 0, Date.now() + this.options.giveUpAfterMs);
    return false;
  }

  /** Stops retrying (on shutdown); the reconciler settles what is left. */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(couponId: number, userId: number, eventId: string, retry: number, deadline: number): void {
    const delay = backoffDelay(retry, this.options.baseDelayMs ?? 100, this.options.maxDelayMs ?? 2000);
    if (Date.now() + delay > deadline) {
      this.timers.delete(eventId);
      this.log.info({ couponId, userId, eventId }, 'stopped retrying the release of a request whose reserve reply was lost; the reconciler settles it');
      return;
    }
    const timer = setTimeout(() => {
      void this.attempt(couponId, userId, eventId).then((released) => {
        if (!this.timers.has(eventId)) return; // stopped meanwhile
        if (released) this.timers.delete(eventId);
        else this.schedule(couponId, userId, eventId, retry + 1, deadline);
      });
    }, delay);
    timer.unref();
    this.timers.set(eventId, timer);
  }

  private async attempt(couponId: number, userId: number, eventId: string): Promise<boolean> {
    try {
      const released = await this.release(couponId, userId, eventId);
      if (released) this.log.info({ couponId, userId, eventId }, 'released the reservation of a request that was not accepted');
      return released;
    } catch (err) {
      this.log.debug({ err, couponId, userId, eventId }, 'releasing a reservation failed; will retry');
      return false;
    }
  }
}
