/**
 * Per-client rate limits of the public API: a token bucket per client address (checked before
 * anything else is done for the request) and one per authenticated user (after its token is
 * verified). In this process's memory: with N gateway processes behind a balancer a client gets up
 * to N times the rate, which is what a per-process limit can promise — it stops one client from
 * flooding a gateway, not a distributed attack (that is the job of the edge in front).
 */
import type { RateLimits } from './config.ts';
import { ApiError } from './errors.ts';
import type { GatewayMetrics } from './metrics.ts';
import { TokenBuckets } from './token-buckets.ts';

type Scope = 'ip' | 'user';

const SWEEP_INTERVAL_MS = 30_000;

class ScopeLimit {
  private readonly refusals = new Map<number, ApiError>();

  constructor(
    readonly scope: Scope,
    readonly buckets: TokenBuckets,
    private readonly refused: { inc(): void },
  ) {}

  /** The 429 to answer, or undefined when the client may go on. */
  check(key: string, nowMs: number): ApiError | undefined {
    const waitSeconds = this.buckets.take(key, nowMs);
    if (waitSeconds === 0) return undefined;
    this.refused.inc();
    return this.refusal(Math.max(1, Math.ceil(waitSeconds)));
  }

  /** One error per Retry-After value: a flood of refusals must not cost a stack trace each. */
  private refusal(retryAfterSeconds: number): ApiError {
    let error = this.refusals.get(retryAfterSeconds);
    if (!error) {
      const who = this.scope === 'ip' ? 'this address' : 'this user';
      error = new ApiError(429, 'RATE_LIMITED', `too many requests from ${who}; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
      this.refusals.set(retryAfterSeconds, error);
    }
    return error;
  }
}

export class ClientRateLimits {
  private readonly ip: ScopeLimit | undefined;
  private readonly user: ScopeLimit | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(limits: RateLimits, metrics: Pick<GatewayMetrics, 'rateLimited'>) {
    const make = (scope: Scope): ScopeLimit | undefined => {
      const limit = limits[scope];
      return limit && new ScopeLimit(scope, new TokenBuckets(limit, limits.maxClients), metrics.rateLimited.labels(scope));
    };
    this.ip = make('ip');
    this.user = make('user');
    // The series exist from the start (at 0), so a rate() over them is defined before the first refusal.
    for (const s of [this.ip, this.user]) if (s) metrics.rateLimited.labels(s.scope).inc(0);
  }

  /** Whether client addresses are limited at all: when not, no request needs to be checked (or its address worked out). */
  get limitsAddresses(): boolean {
    return this.ip !== undefined;
  }

  /** The 429 for a client address over its limit; undefined otherwise (or when off). */
  checkAddress(address: string, nowMs: number): ApiError | undefined {
    return this.ip?.check(address, nowMs);
  }

  /** The 429 for an authenticated user over its limit; undefined otherwise (or when off). */
  checkUser(userId: number, nowMs: number): ApiError | undefined {
    return this.user?.check(String(userId), nowMs);
  }

  /** Forgets idle clients now and then, so memory follows the clients that are active. */
  start(): void {
    this.timer = setInterval(() => {
      const now = Date.now();
      this.ip?.buckets.sweep(now);
      this.user?.buckets.sweep(now);
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
