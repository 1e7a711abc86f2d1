/**
 * The operator CLI's configuration: the same environment variables as the services, read and
 * validated once (only when a command runs; --help never needs them). Unset means the embedded
 * local stack, as for the services.
 */
import { z } from 'zod';
import { endpointsFromEnv, ENV_NAMES, type Endpoints } from '../../platform/endpoints.ts';
import { connectionsFromEnv, type Connections } from '../../platform/connections.ts';
import { ConfigError, processorGroupIdVariable } from '../../platform/service-config.ts';
import { redisClusterNodesVariable, redisTarget, type RedisTarget } from '../../platform/redis-connection.ts';

export interface OpsConfig extends Endpoints, Connections {
  redis: RedisTarget;
  /** The processor's consumer group: whose committed offsets define "pending" and lag. */
  processorGroupId: string;
}

const url = (protocols: RegExp, example: string) => z.string().refine((s) => URL.canParse(s) && protocols.test(new URL(s).protocol), `expected a URL like ${example}`);

const endpointRules: Record<keyof Endpoints, z.ZodType<string>> = {
  kafkaBrokers: z.string().regex(/^[^\s:,]+:\d{1,5}(,[^\s:,]+:\d{1,5})*$/, 'expected host:port[,host:port...]'),
  schemaRegistryUrl: url(/^https?:$/, 'http://host:8081'),
  databaseUrl: url(/^postgres(ql)?:$/, 'postgres://user:password@host:5432/db'),
  redisUrl: url(/^rediss?:$/, 'redis://host:6379'),
};

const schema = z.object({
  REDIS_CLUSTER_NODES: redisClusterNodesVariable,
  PROCESSOR_GROUP_ID: processorGroupIdVariable,
});

export function loadOpsConfig(env: NodeJS.ProcessEnv = process.env): OpsConfig {
  const endpoints = endpointsFromEnv(env);
  const problems: string[] = [];
  for (const [key, rule] of Object.entries(endpointRules) as Array<[keyof Endpoints, z.ZodType<string>]>) {
    const checked = rule.safeParse(endpoints[key]);
    if (!checked.success) problems.push(`${ENV_NAMES[key]}: ${checked.error.issues[0]!.message}, got "${endpoints[key]}"`);
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return {
    ...endpoints,
    ...connectionsFromEnv(env),
    redis: redisTarget(parsed.data.REDIS_CLUSTER_NODES, endpoints.redisUrl),
    processorGroupId: parsed.data.PROCESSOR_GROUP_ID,
  };
}

export const CONFIG_HELP = `Configuration (environment, as for the services; unset = the embedded local stack):
  KAFKA_BROKERS          host:port[,host:port...]                  (127.0.0.1:19092)
  SCHEMA_REGISTRY_URL    Confluent-compatible registry API          (http://127.0.0.1:18081/apis/ccompat/v7)
  DATABASE_URL           postgres://...                             (the stack's database)
  REDIS_URL              redis://...                                (redis://127.0.0.1:16379)
  REDIS_CLUSTER_NODES    host:port,... of a Redis Cluster; wins over REDIS_URL
  PROCESSOR_GROUP_ID     the processor's consumer group             (coupon-processor)
  KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*, KAFKA_RDKAFKA_<property>
                         a secured cluster (README, "Connecting to a secured cluster")
  SCHEMA_REGISTRY_USERNAME/_PASSWORD, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, SCHEMA_REGISTRY_CA_LOCATION
                         registry credentials and CA`;
