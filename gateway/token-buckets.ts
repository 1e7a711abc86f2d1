/**
 * One token bucket per client key, in this process's memory: `perSecond` tokens flow in, at most
 * `burst` wait, a request takes one. Refilled lazily when the key is seen (one Map lookup and a
 * little arithmetic per request), so idle clients cost nothing but their entry; `sweep` drops the
 * entries of clients whose bucket is full again (forgetting them changes nothing).
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  /** ms of the last refill. */
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  /** A bucket untouched this long is full again. */
  private readonly refillMs: number;

  /** `maxClients` bounds the memory: past it the longest-known clients are forgotten first. */
  constructor(
    private readonly limit: RateLimit,
    private readonly maxClients: number,
  ) {
    this.perMs = limit.perSecond / 1000;
    this.refillMs = limit.burst / this.perMs;
  }

  /** 0 when the client may go on (a token was taken), otherwise the seconds until it may. */
  take(key: string, nowMs: number): number {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.makeRoom(nowMs);
      bucket = { tokens: this.limit.burst, at: nowMs };
      this.buckets.set(key, bucket);
    } else if (nowMs > bucket.at) {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (nowMs - bucket.at) * this.perMs);
      bucket.at = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.limit.perSecond;
  }

  /** Forgets the clients whose bucket has refilled completely. */
  sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) if (nowMs - bucket.at >= this.refillMs) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private makeRoom(nowMs: number): void {
    this.sweep(nowMs);
    // Still full (very many active clients): forget the oldest tenth, which lets them start afresh.
    if (this.buckets.size < this.maxClients) return;
    let drop = Math.max(1, Math.floor(this.maxClients / 10));
    for (const key of this.buckets.keys()) {
      if (drop-- === 0) break;
      this.buckets.delete(key);
    }
  }
}
