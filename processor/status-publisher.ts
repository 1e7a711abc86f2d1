/**
 * Publishes decided requests' statuses and each partition's processed watermark to Redis, the
 * gateway's cache of the ledger. It never holds up a transaction: writes are queued (the latest
 * per key wins), sent in one script call per coupon (its keys share a Redis Cluster slot), and
 * retried with backoff until Redis takes them — also when Redis was down when the processor
 * started. The ledger stays the truth: the gateway answers from it when a status lags.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../platform/redis-connection.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import { backoffMs } from './errors.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { ProcessorMetrics } from './metrics.ts';

/** Moves a watermark forward only: batches of a partition may be published out of order. */
const RAISE_WATERMARK = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Sets many users' statuses of one coupon in one call, one HSET per status (an ISSUED one skips the
 * read). ISSUED is final: a later request of the same user (rejected ALREADY_ISSUED) must not hide
 * the coupon the user holds. No table is built per key: that was half of the script's time.
 * KEYS: status hashes; ARGV: ttl, then per key: status, eventId, reason (not ISSUED), userCouponId (ISSUED).
 */
const SET_STATUSES = `local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  local b = i * 4 - 2
  local status = ARGV[b]
  if status == 'ISSUED' then
    redis.call('HSET', key, 'status', status, 'eventId', ARGV[b + 1], 'userCouponId', ARGV[b + 3])
    redis.call('EXPIRE', key, ttl)
  elseif redis.call('HGET', key, 'status') ~= 'ISSUED' then
    redis.call('HSET', key, 'status', status, 'eventId', ARGV[b + 1], 'reason', ARGV[b + 2])
    redis.call('EXPIRE', key, ttl)
  end
end
return 0`;

type ScriptClient = RedisClient & {
  setStatuses(numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  raiseWatermark(key: string, offset: number): Promise<unknown>;
};

interface PendingStatus {
  couponId: number;
  args: [string, string, string, string | number];
}

export class StatusPublisher {
  private redis: ScriptClient | undefined;
  private statuses = new Map<string, PendingStatus>();
  private watermarks = new Map<number, number>();
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<RedisClient>,
    private readonly log: Logger,
    private readonly metrics: ProcessorMetrics,
    /** Beyond this many queued statuses the oldest are dropped (the gateway still answers from the ledger). */
    private readonly maxBacklog = 200_000,
  ) {}

  /** Queues the statuses of decided requests (called once their Postgres transaction committed). */
  publish(outcomes: LedgerOutcome[]): void {
    for (const o of outcomes) {
      const key = redisKeys.status(o.couponId, o.userId);
      // ISSUED is final here too: a user's second request decided in the same flush (ALREADY_ISSUED) must not replace it.
      if (o.outcome !== 'ISSUED' && this.statuses.get(key)?.args[0] === 'ISSUED') continue;
      this.statuses.delete(key); // re-inserted last: Map order is the age order used when dropping
      this.statuses.set(key, { couponId: o.couponId, args: [o.outcome, o.eventId, o.reason ?? '', o.userCouponId ?? ''] });
    }
    for (const key of this.statuses.keys()) {
      if (this.statuses.size <= this.maxBacklog) break;
      this.statuses.delete(key);
      this.metrics.statusWriteErrors.inc({ kind: 'dropped' });
    }
    this.kick();
  }

  /** Queues a partition's processed watermark (called once its Kafka transaction committed). */
  raiseWatermark(partition: number, offset: number): void {
    this.watermarks.set(partition, Math.max(offset, this.watermarks.get(partition) ?? -1));
    this.kick();
  }

  /** Stops retrying; waits for a write in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.running;
    this.redis?.disconnect();
  }

  private kick(): void {
    if (this.running || this.retryTimer || this.closed) return;
    this.running = this.flush().finally(() => {
      this.running = undefined;
      if (this.statuses.size + this.watermarks.size > 0 && !this.retryTimer) this.kick();
    });
  }

  private async flush(): Promise<void> {
    const statuses = this.statuses;
    const watermarks = this.watermarks;
    this.statuses = new Map();
    this.watermarks = new Map();
    this.metrics.statusBacklog.set(statuses.size);
    try {
      const redis = (this.redis ??= await this.open());
      await Promise.all([
        ...[...byCoupon(statuses)].map(({ keys, args }) => redis.setStatuses(keys.length, ...keys, STATUS_TTL_SECONDS, ...args)),
        ...[...watermarks].map(([partition, offset]) => redis.raiseWatermark(redisKeys.watermark(partition), offset)),
      ]);
      this.attempt = 0;
      this.metrics.statusBacklog.set(this.statuses.size);
    } catch (err) {
      // Put back what newer writes have not superseded, and try again later.
      for (const [key, s] of statuses) if (!this.statuses.has(key)) this.statuses.set(key, s);
      for (const [p, o] of watermarks) this.watermarks.set(p, Math.max(o, this.watermarks.get(p) ?? -1));
      this.metrics.statusWriteErrors.inc({ kind: 'failed' });
      this.metrics.statusBacklog.set(this.statuses.size);
      const wait = backoffMs(this.attempt++, 200, 5000);
      if (this.attempt === 1 || this.attempt % 20 === 0) this.log.warn({ err, attempt: this.attempt, backlog: this.statuses.size }, 'Redis status update failed; retrying (the gateway answers from the ledger meanwhile)');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, wait);
      this.retryTimer.unref();
    }
  }

  private async open(): Promise<ScriptClient> {
    const redis = (await this.connect()) as ScriptClient;
    // Loaded once, then run by sha.
    redis.defineCommand('setStatuses', { lua: SET_STATUSES });
    redis.defineCommand('raiseWatermark', { lua: RAISE_WATERMARK, numberOfKeys: 1 });
    this.log.info('Redis connected; publishing statuses');
    return redis;
  }
}

function* byCoupon(statuses: Map<string, PendingStatus>): Generator<{ keys: string[]; args: Array<string | number> }> {
  const calls = new Map<number, { keys: string[]; args: Array<string | number> }>();
  for (const [key, s] of statuses) {
    let call = calls.get(s.couponId);
    if (!call) calls.set(s.couponId, (call = { keys: [], args: [] }));
    call.keys.push(key);
    call.args.push(...s.args);
  }
  yield* calls.values();
}
