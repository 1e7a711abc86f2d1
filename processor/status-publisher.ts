/**
 * After a transaction commits: each decided user's status and each partition's processed
 * watermark go to Redis: one script call per coupon (its keys share a Redis Cluster slot) plus
 * one per partition watermark. Best effort — Postgres and the committed topics are the
 * truth, and the gateway falls back to the ledger — so failures are logged, never retried.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../schemas/redis-connection.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import type { LedgerOutcome } from './ledger.ts';

/** Moves a watermark forward only: batches of a partition may be published out of order. */
const RAISE_WATERMARK = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Sets many users' statuses of one coupon in one call (their keys share the coupon's hash tag).
 * One script call per coupon instead of two commands per user keeps the client cheap at 10k+/s.
 * KEYS: status hashes; ARGV: ttl, then per key: status, eventId, reason or '', userCouponId or ''.
 */
const SET_STATUSES = `for i, key in ipairs(KEYS) do
  local b = 1 + (i - 1) * 4
  redis.call('HSET', key, 'status', ARGV[b + 1], 'eventId', ARGV[b + 2])
  if ARGV[b + 3] ~= '' then redis.call('HSET', key, 'reason', ARGV[b + 3]) end
  if ARGV[b + 4] ~= '' then redis.call('HSET', key, 'userCouponId', ARGV[b + 4]) end
  redis.call('EXPIRE', key, ARGV[1])
end
return 0`;

type ScriptClient = RedisClient & {
  setStatuses(numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  raiseWatermark(key: string, offset: number): Promise<unknown>;
};

export class StatusPublisher {
  private readonly redis: ScriptClient | undefined;

  constructor(
    redis: RedisClient | undefined,
    private readonly log: Logger,
  ) {
    // Loaded once, then run by sha.
    redis?.defineCommand('setStatuses', { lua: SET_STATUSES });
    redis?.defineCommand('raiseWatermark', { lua: RAISE_WATERMARK, numberOfKeys: 1 });
    this.redis = redis as ScriptClient | undefined;
  }

  async publish(outcomes: LedgerOutcome[], watermarks: Map<number, number>): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    const byCoupon = new Map<number, { keys: string[]; args: Array<string | number> }>();
    for (const o of outcomes) {
      let call = byCoupon.get(o.couponId);
      if (!call) byCoupon.set(o.couponId, (call = { keys: [], args: [] }));
      call.keys.push(redisKeys.status(o.couponId, o.userId));
      call.args.push(o.outcome, o.eventId, o.reason ?? '', o.userCouponId ?? '');
    }
    const writes: Array<Promise<unknown>> = [];
    for (const { keys, args } of byCoupon.values()) writes.push(redis.setStatuses(keys.length, ...keys, STATUS_TTL_SECONDS, ...args));
    for (const [partition, offset] of watermarks) writes.push(redis.raiseWatermark(redisKeys.watermark(partition), offset));
    const failure = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failure) this.log.warn({ err: failure.reason }, 'Redis status update failed; the gateway falls back to the ledger');
  }
}
