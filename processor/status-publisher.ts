/**
 * After a transaction commits: each decided user's status and each partition's processed
 * watermark go to Redis: one pipeline per coupon (its keys share a Redis Cluster slot) plus one
 * script call per partition watermark. Best effort — Postgres and the committed topics are the
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

export class StatusPublisher {
  constructor(
    private readonly redis: RedisClient | undefined,
    private readonly log: Logger,
  ) {}

  async publish(outcomes: LedgerOutcome[], watermarks: Map<number, number>): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    const byCoupon = new Map<number, LedgerOutcome[]>();
    for (const o of outcomes) {
      let list = byCoupon.get(o.couponId);
      if (!list) byCoupon.set(o.couponId, (list = []));
      list.push(o);
    }
    const writes: Array<Promise<unknown>> = [...byCoupon.values()].map((list) => {
      const pipeline = redis.pipeline();
      for (const o of list) {
        const key = redisKeys.status(o.couponId, o.userId);
        const fields: Record<string, string> = { status: o.outcome, eventId: o.eventId };
        if (o.reason !== null) fields.reason = o.reason;
        if (o.userCouponId !== null) fields.userCouponId = String(o.userCouponId);
        pipeline.hset(key, fields).expire(key, STATUS_TTL_SECONDS);
      }
      return pipeline.exec().then((results) => results?.find(([err]) => err)?.[0]);
    });
    for (const [partition, offset] of watermarks) writes.push(redis.eval(RAISE_WATERMARK, 1, redisKeys.watermark(partition), offset));
    const settled = await Promise.allSettled(writes);
    const failure = settled.find((r) => r.status === 'rejected' || r.value instanceof Error);
    if (failure) {
      this.log.warn({ err: failure.status === 'rejected' ? failure.reason : failure.value }, 'Redis status update failed; the gateway falls back to the ledger');
    }
  }
}
