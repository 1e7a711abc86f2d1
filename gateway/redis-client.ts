/**
 * The gateway's Redis connection, single node or cluster. Tuned to fail fast: while Redis is
 * unreachable a command errors at once (no offline queue, bounded command time), so a request
 * gets a 503 instead of hanging; the client keeps reconnecting in the background.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisTarget } from './config.ts';
import type { RedisClient } from './gate.ts';

export async function connectRedis(target: RedisTarget, commandTimeoutMs: number, log: Logger): Promise<RedisClient> {
  const common: RedisOptions = {
    lazyConnect: true,
    // Many concurrent requests share one connection; batching their commands per tick saves syscalls.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
  };
  const client: RedisClient =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, { lazyConnect: true, enableAutoPipelining: true, enableOfflineQueue: false, slotsRefreshTimeout: 2000, redisOptions: common })
      : new Redis(target.url, { ...common, enableOfflineQueue: false, retryStrategy: (times) => Math.min(times * 100, 1000) });
  // ioredis reports every failed reconnect attempt; warn once per outage rather than per attempt.
  let healthy = true;
  client.on('error', (err: Error) => {
    if (healthy) log.warn({ err }, 'Redis connection lost; requests get 503 until it is back');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) log.info('Redis connection restored');
    healthy = true;
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw err;
  }
  return client;
}
