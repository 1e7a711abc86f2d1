import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { infoField, rewriteAppendOnlyFile } from '../../ops/bench/redis-aof.ts';
import { freePort } from '../../ops/run/free-port.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { OwnRedis } from '../support/own-redis.ts';

const persistence = async (url: string): Promise<(name: string) => string | undefined> => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('persistence');
    return (name) => infoField(info, name);
  } finally {
    redis.disconnect();
  }
};

let own: OwnRedis | undefined;
afterAll(async () => own?.stop());

describe('rewriteAppendOnlyFile (the bench settling Redis before a load)', () => {
  it("has the stack's Redis rewrite its append-only file and returns once the rewrite is over", async () => {
    const url = endpointsFromEnv().redisUrl;
    const before = await persistence(url);
    expect(before('aof_enabled')).toBe('1');
    const seconds = await rewriteAppendOnlyFile(url);
    expect(seconds).toBeGreaterThanOrEqual(0);
    const after = await persistence(url);
    expect(Number(after('aof_rewrites'))).toBeGreaterThan(Number(before('aof_rewrites')));
    expect(after('aof_rewrite_in_progress')).toBe('0');
    expect(after('aof_rewrite_scheduled')).toBe('0');
    expect(after('aof_last_bgrewrite_status')).toBe('ok');
  });

  it('does nothing on a Redis without an append-only file', async () => {
    own = await new OwnRedis(await freePort()).start();
    expect(await rewriteAppendOnlyFile(own.url)).toBeNull();
  });
});
