/**
 * Makes sure the embedded 3-master Redis Cluster (127.0.0.1:17001-17003) is up, the way
 * `tsx ops/stack/cli.ts up --redis-cluster` does: check, else prepare, start and wait for health
 * (the first health check forms the cluster). It is left running afterwards, like the rest of the stack.
 */
import { REDIS_CLUSTER_PORTS, redisClusterComponent } from '../../ops/stack/redis.ts';
import { eventually } from './eventually.ts';

export const REDIS_CLUSTER_NODES = REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',');

export async function ensureRedisCluster(): Promise<void> {
  const cluster = redisClusterComponent();
  const healthy = await cluster.checkHealth().then(
    () => true,
    () => false,
  );
  if (healthy) return;
  await cluster.prepare();
  await cluster.start();
  await eventually(() => cluster.checkHealth().then(() => true), cluster.startTimeoutMs, 500);
}
