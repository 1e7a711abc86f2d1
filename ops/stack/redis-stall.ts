/** Stalling Redis on purpose, for fault tests and the chaos run. */
import type { Redis } from 'ioredis';

/** Busy-loops inside Redis for ARGV[1] ms: every other client waits (Redis 7 refuses DEBUG SLEEP by default). */
const STALL = `local t = redis.call('TIME')
local start = t[1] * 1000 + t[2] / 1000
while true do
  local n = redis.call('TIME')
  if n[1] * 1000 + n[2] / 1000 - start >= tonumber(ARGV[1]) then return 1 end
end`;

/** Runs a Lua script that keeps Redis busy for `ms`; resolves when Redis answers again. */
export async function stallRedis(redis: Redis, ms: number): Promise<void> {
  await redis.eval(STALL, 0, ms);
}
