/** Processor configuration: parsed and validated once from the environment at start-up. */
import os from 'node:os';
import { z } from 'zod';
import { endpointsFromEnv, type Endpoints } from '../platform/endpoints.ts';
import { connectionsFromEnv, type Connections } from '../platform/connections.ts';
import { int, logLevelVariable, parseEnv, processorGroupIdVariable } from '../platform/service-config.ts';
import { redisClusterNodesVariable, redisTarget, type RedisTarget } from '../platform/redis-connection.ts';

export type ProcessorMode = 'batch' | 'single';

/** How the processor's Postgres sessions are named (pg_stat_activity.application_name). */
export const PROCESSOR_APPLICATION_NAME = 'coupon-processor';

export interface ProcessorConfig extends Endpoints, Connections {
  mode: ProcessorMode;
  /** Where statuses and watermarks go: REDIS_URL, or the cluster of REDIS_CLUSTER_NODES. */
  redis: RedisTarget;
  groupId: string;
  /** Stable per instance: a restarted instance fences its previous incarnation's transactions. */
  transactionalId: string;
  /** Static group membership: a restarted instance takes its partitions back without a rebalance. */
  groupInstanceId: string;
  sessionTimeoutMs: number;
  /** Records per transaction in batch mode (single mode commits one record per transaction; see mode.ts). */
  batchMaxRecords: number;
  /** Partitions worked on at once in batch mode; their units share Kafka transactions. */
  partitionsInFlight: number;
  /** How long a fetch may wait for more records before handing over a smaller batch. */
  batchMaxWaitMs: number;
  /** How many bytes of records a fetch waits for (at most batchMaxWaitMs) before it returns. */
  fetchMinBytes: number;
  transactionTimeoutMs: number;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
  lagIntervalMs: number;
  /** How long the processor may fail without committing before it exits non-zero. */
  stallTimeoutMs: number;
  /** How long it may fail before /healthz answers 503. */
  unhealthyAfterMs: number;
  /** How long a stop (a signal, or a fatal error) may take before the process exits 1 anyway: units stuck in a call never end. */
  shutdownTimeoutMs: number;
  /** How long records of a schema id the registry does not know are retried before the DLQ. */
  unknownSchemaGraceMs: number;
  /** Postgres statement_timeout and lock_timeout of the processor's sessions. */
  pgStatementTimeoutMs: number;
  pgLockTimeoutMs: number;
}



const schema = z.object({
  PROCESSOR_MODE: z.enum(['batch', 'single']).default('batch'),
  REDIS_CLUSTER_NODES: redisClusterNodesVariable,
  PROCESSOR_GROUP_ID: processorGroupIdVariable,
  PROCESSOR_INSTANCE_ID: z.string().min(1).optional(),
  PROCESSOR_TRANSACTIONAL_ID: z.string().min(1).optional(),
  PROCESSOR_BATCH_MAX_RECORDS: int(1, 100_000).default(5000),
  PROCESSOR_BATCH_MAX_WAIT_MS: int(0, 10_000).default(20),
  PROCESSOR_FETCH_MIN_BYTES: int(1, 52_428_800).default(65_536),
  PROCESSOR_PARTITIONS_IN_FLIGHT: int(1, 64).default(6),
  // Short, as in Kafka Streams' exactly-once: an instance killed mid-transaction holds back what
  // read_committed consumers see on the output partitions until its transaction times out
  // (or until it restarts with the same transactional.id, which aborts it at once).
  PROCESSOR_TRANSACTION_TIMEOUT_MS: int(1000, 900_000).default(10_000),
  PROCESSOR_SESSION_TIMEOUT_MS: int(6000, 300_000).default(10_000),
  PROCESSOR_METRICS_PORT: int(0, 65_535).default(9464),
  PROCESSOR_METRICS_HOST: z.string().default('127.0.0.1'),
  PROCESSOR_LAG_INTERVAL_MS: int(100, 600_000).default(5000),
  PROCESSOR_STALL_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  PROCESSOR_UNHEALTHY_AFTER_MS: int(1000, 3_600_000).default(30_000),
  PROCESSOR_SHUTDOWN_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  PROCESSOR_UNKNOWN_SCHEMA_GRACE_MS: int(0, 3_600_000).default(60_000),
  PROCESSOR_PG_STATEMENT_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  PROCESSOR_PG_LOCK_TIMEOUT_MS: int(100, 3_600_000).default(10_000),
  LOG_LEVEL: logLevelVariable,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const e = parseEnv(schema, env, 'processor');
  const instance = e.PROCESSOR_INSTANCE_ID ?? os.hostname();
  const endpoints = endpointsFromEnv(env);
  return {
    ...endpoints,
    ...connectionsFromEnv(env, 'processor'),
    mode: e.PROCESSOR_MODE,
    redis: redisTarget(e.REDIS_CLUSTER_NODES, endpoints.redisUrl),
    groupId: e.PROCESSOR_GROUP_ID,
    transactionalId: e.PROCESSOR_TRANSACTIONAL_ID ?? `${e.PROCESSOR_GROUP_ID}-${instance}`,
    groupInstanceId: `${e.PROCESSOR_GROUP_ID}-${instance}`,
    sessionTimeoutMs: e.PROCESSOR_SESSION_TIMEOUT_MS,
    batchMaxRecords: e.PROCESSOR_BATCH_MAX_RECORDS,
    batchMaxWaitMs: e.PROCESSOR_BATCH_MAX_WAIT_MS,
    fetchMinBytes: e.PROCESSOR_FETCH_MIN_BYTES,
    partitionsInFlight: e.PROCESSOR_PARTITIONS_IN_FLIGHT,
    transactionTimeoutMs: e.PROCESSOR_TRANSACTION_TIMEOUT_MS,
    metricsPort: e.PROCESSOR_METRICS_PORT,
    metricsHost: e.PROCESSOR_METRICS_HOST,
    logLevel: e.LOG_LEVEL,
    lagIntervalMs: e.PROCESSOR_LAG_INTERVAL_MS,
    stallTimeoutMs: e.PROCESSOR_STALL_TIMEOUT_MS,
    unhealthyAfterMs: e.PROCESSOR_UNHEALTHY_AFTER_MS,
    shutdownTimeoutMs: e.PROCESSOR_SHUTDOWN_TIMEOUT_MS,
    unknownSchemaGraceMs: e.PROCESSOR_UNKNOWN_SCHEMA_GRACE_MS,
    pgStatementTimeoutMs: e.PROCESSOR_PG_STATEMENT_TIMEOUT_MS,
    pgLockTimeoutMs: e.PROCESSOR_PG_LOCK_TIMEOUT_MS,
  };
}
