/**
 * A service's Redis connection, single node (REDIS_URL) or cluster (REDIS_CLUSTER_NODES). Tuned to fail fast: while Redis is
 * unreachable a command errors at once (no offline queue, bounded command time), so a caller
 * fails over (the gateway answers 503) instead of hanging; the client keeps reconnecting in the background.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';

export type RedisClient = Redis | Cluster;

export interface HostPort {
  host: string;
  port: number;
}

/** Single node by REDIS_URL, or a Redis Cluster by REDIS_CLUSTER_NODES (which then wins). */
export type RedisTarget = { kind: 'single'; url: string } | { kind: 'cluster'; nodes: HostPort[] };

const hostPort = z
  .string()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port')
  .transform((s): HostPort => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) }));

/** The REDIS_CLUSTER_NODES variable: `host:port,host:port,...`, empty or unset for none. */
export const redisClusterNodesVariable = z
  .string()
  .trim()
  .transform((s) => s || undefined)
  .optional()
  .pipe(
    z
      .string()
      .transform((s) => s.split(',').map((n) => n.trim()))
      .pipe(z.array(hostPort).min(1))
      .optional(),
  );

export const redisTarget = (clusterNodes: HostPort[] | undefined, redisUrl: string): RedisTarget =>
  clusterNodes ? { kind: 'cluster', nodes: clusterNodes } : { kind: 'single', url: redisUrl };

export interface RedisConnectionOptions {
  /**
   * Batch the commands of one event-loop turn into one write (default on): many concurrent
   * requests share the gateway's connection. A client that batches its own commands turns it off
   * and with it ioredis' auto-pipelining code, which has thrown out of a callback when a command
   * timed out during a Redis stall ("results[i] is not iterable", redis/ioredis#1931).
   */
  autoPipelining?: boolean;
}

export async function connectRedis(target: RedisTarget, commandTimeoutMs: number, log: Logger, options: RedisConnectionOptions = {}): Promise<RedisClient> {
  const autoPipelining = options.autoPipelining ?? true;
  const common: RedisOptions = {
    lazyConnect: true,
    enableAutoPipelining: autoPipelining,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
  };
  const client: RedisClient =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, { lazyConnect: true, enableAutoPipelining: autoPipelining, enableOfflineQueue: false, slotsRefreshTimeout: 2000, redisOptions: common })
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
