/** The embedded Redis: the single node, private instances, the 3-master cluster. */
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { Component, Instance } from './component.ts';
import { stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

const run = promisify(execFile);

export const REDIS_PORT = 16379;
/** Ports of the 3-master Redis Cluster used by the cluster test (`stack:up -- --redis-cluster`). */
export const REDIS_CLUSTER_PORTS = [17001, 17002, 17003];

function redisArgs(port: number, dir: string, cluster: boolean): string[] {
  // Lazy freeing: a coupon's statuses are one hash (docs/gate.md), which its expiry or a re-prime's
  // DEL would otherwise free in one blocking step, a sale's million fields at once.
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--lazyfree-lazy-expire', 'yes', '--lazyfree-lazy-user-del', 'yes'];
  if (cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000');
  return args;
}

async function ping(port: number): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined); // the failed connect() below carries the reason
  try {
    await redis.connect();
    const answer = await redis.ping();
    if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
  } finally {
    redis.disconnect();
  }
}

/** The stack's Redis, or another instance of it (a fault run's private one) given name and port. */
export function redisComponent({ name, port }: Instance = { name: 'redis', port: REDIS_PORT }): Component {
  const dir = stackPath(name);
  return {
    name,
    address: `127.0.0.1:${port}`,
    startTimeoutMs: 20_000,
    logFiles: [logFile(name)],
    processNames: [name],
    async prepare() {
      fs.mkdirSync(dir, { recursive: true });
    },
    async start() {
      startDetached({ name, command: 'redis-server', args: redisArgs(port, dir, false) });
    },
    checkHealth: () => ping(port),
    async stop() {
      await stopProcess(name);
    },
  };
}

export function redisClusterComponent(): Component {
  const names = REDIS_CLUSTER_PORTS.map((p) => `redis-cluster-${p}`);
  const addresses = REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`);
  return {
    name: 'redis-cluster',
    address: addresses.join(','),
    startTimeoutMs: 30_000,
    logFiles: names.map(logFile),
    processNames: names,
    async prepare() {
      for (const p of REDIS_CLUSTER_PORTS) fs.mkdirSync(stackPath('redis-cluster', String(p)), { recursive: true });
    },
    async start() {
      REDIS_CLUSTER_PORTS.forEach((port, i) => {
        startDetached({ name: names[i]!, command: 'redis-server', args: redisArgs(port, stackPath('redis-cluster', String(port)), true) });
      });
    },
    async checkHealth() {
      await Promise.all(REDIS_CLUSTER_PORTS.map(ping));
      const { stdout } = await run('redis-cli', ['-p', String(REDIS_CLUSTER_PORTS[0]), 'cluster', 'info']);
      if (!stdout.includes('cluster_state:ok')) {
        // First start: the nodes are up but not yet one cluster.
        if (stdout.includes('cluster_known_nodes:1')) {
          await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
        }
        throw new Error('cluster state is not ok yet');
      }
    },
    async stop() {
      await Promise.all(names.map((n) => stopProcess(n)));
    },
  };
}
