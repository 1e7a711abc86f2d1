import { Redis } from 'ioredis';
import type { Injector } from '../context.ts';

/** Busy-loops inside Redis for ARGV[1] ms: every other client waits (Redis 7 refuses DEBUG SLEEP by default). */
const STALL = `local t = redis.call('TIME')
local start = t[1] * 1000 + t[2] / 1000
while true do
  local n = redis.call('TIME')
  if n[1] * 1000 + n[2] / 1000 - start >= tonumber(ARGV[1]) then return 1 end
end`;

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
      await redis.eval(STALL, 0, ms);
    } finally {
      redis.disconnect();
    }
    return `Redis busy for ${ms} ms (a Lua script)`;
  },
};
