/** Chaos fault: Redis stalled by a long Lua script, longer than the gateway waits. */
import { Redis } from 'ioredis';
import type { Injector } from '../context.ts';
import { stallRedis } from '../../stack/redis-stall.ts';

/** Stays under Redis' busy-script limit (5 s), after which other clients get BUSY errors instead of waiting. */
const MAX_STALL_MS = 4500;

/** A long-running Lua script: Redis answers nobody for longer than the gateway's command timeout. */
export const redisStall: Injector = {
  kind: 'redis_stall',
  async inject(ctx) {
    const ms = Math.round(ctx.random.between(ctx.redisCommandTimeoutMs + 500, Math.max(ctx.redisCommandTimeoutMs + 1000, MAX_STALL_MS)));
    const redis = new Redis(ctx.infra.endpoints.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await stallRedis(redis, ms);
    } finally {
      redis.disconnect();
    }
    return `Redis busy for ${ms} ms (a Lua script)`;
  },
};
