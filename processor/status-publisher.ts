/**
 * After a transaction commits: each decided user's status and each partition's processed
 * watermark go to Redis in one pipeline. Best effort — Postgres and the committed topics are the
 * truth, and the gateway falls back to the ledger — so failures are logged, never retried.
 */
import type { Redis, Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import type { LedgerOutcome } from './ledger.ts';

/** Moves a watermark forward only: batches of a partition may be published out of order. */
const RAISE_WATERMARK = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

export class StatusPublisher {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly log: Logger,
  ) {}

  async publish(outcomes: LedgerOutcome[], watermarks: Map<number, number>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const o of outcomes) {
      const key = redisKeys.status(o.couponId, o.userId);
      const fields: Record<string, string> = { status: o.outcome, eventId: o.eventId };
      if (o.reason !== null) fields.reason = o.reason;
      if (o.userCouponId !== null) fields.userCouponId = String(o.userCouponId);
      pipeline.hset(key, fields).expire(key, STATUS_TTL_SECONDS);
    }
    for (const [partition, offset] of watermarks) pipeline.eval(RAISE_WATERMARK, 1, redisKeys.watermark(partition), offset);
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) this.log.warn({ err: failed[0] }, 'some Redis status updates failed');
    } catch (err) {
      this.log.warn({ err }, 'Redis status update failed; the gateway falls back to the ledger');
    }
  }
}
