/**
 * A Lua script run by sha (EVALSHA, loaded by EVAL the first time a server does not know it) with
 * a key count chosen per call. ioredis' defineCommand takes a variable key count only as a leading
 * argument, which its cluster auto-pipelining then mistakes for the first key; EVALSHA's own key
 * position is known to it, so a call is routed by its real first key.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../platform/redis-connection.ts';

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // NOSCRIPT: the server never ran it (a restart, a failover, a script flush).
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
