/**
 * A Redis lock so that one gateway instance at a time runs the periodic reconciler: SET NX PX with
 * a random token, released only by its owner, expiring on its own if the owner dies.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../platform/redis-connection.ts';

/** Deletes the lock only if it still carries our token. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export const RECONCILER_LOCK_KEY = 'gate-reconciler:lock';

export class RedisLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  /** Runs `work` if the lock is free (false if another holder has it); `ttlMs` bounds a dead holder's claim. */
  async withLock(ttlMs: number, work: () => Promise<void>): Promise<boolean> {
    const token = randomUUID();
    if ((await this.redis.set(this.key, token, 'PX', ttlMs, 'NX')) !== 'OK') return false;
    try {
      await work();
    } finally {
      await this.redis.eval(RELEASE, 1, this.key, token);
    }
    return true;
  }
}
