/**
 * The embedded local stack: `up`, `down`, `status`, `broker` (USAGE below; `--help` prints it
 * before anything is touched).
 *
 * A component whose address variable (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, REDIS_URL)
 * is set is external and left alone; `up` then only provisions topics, subjects and tables there.
 */
import path from 'node:path';
import { isExternal, type Endpoints } from '../../platform/endpoints.ts';
import type { Component } from './component.ts';
import { alertmanagerComponent } from './alertmanager.ts';
import { brokerCommand } from './broker-command.ts';
import { kafkaComponent, SECURE_BROKER, SINGLE_BROKER, THREE_BROKERS } from './kafka.ts';
import { SCRAM_MECHANISM, secureConnection, writeClientEnv } from './kafka-security.ts';
import { stackPath } from './paths.ts';
import { stackObservability } from './observability.ts';
import { postgresComponent } from './postgres.ts';
import { prometheusComponent } from './prometheus.ts';
import { ensureUp, isHealthy } from './ensure-up.ts';
import { readPid, isAlive } from './process.ts';
import { redisClusterComponent, redisComponent } from './redis.ts';
import { registryComponent } from './registry.ts';
import { provisionAll } from '../provision/provision.ts';
import { provisionTopics } from '../provision/topics.ts';
import { chaosInfra } from '../chaos/infra.ts';
import { EXIT, parseOptions, UsageError } from '../cli/args.ts';

const say = (msg: string): void => console.log(`[stack] ${msg}`);

const USAGE = `usage: npm run stack:up -- [--kafka-cluster] [--redis-cluster] [--secure] [--observability] [--no-provision]
       npm run stack:down
       npm run stack:status
       npx tsx ops/stack/cli.ts up|down|status [options]
       npx tsx ops/stack/cli.ts broker stop|kill|start <1-3>

The embedded stack on loopback: Kafka, the schema registry, Postgres, Redis. A component whose
address variable (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, REDIS_URL) is set is external
and left alone.

commands:
  up              start what is not running, wait for health, provision topics, subjects, tables
  down            stop every component (the chaos run's private ones too)
  status          each component's health (exit 1 when one is down)
  broker          stop (clean), kill (SIGKILL) or start one broker of the 3-broker cluster

options of up:
  --kafka-cluster   also the 3-broker KRaft cluster for fault tests (or STACK_KAFKA_BROKERS=3)
  --redis-cluster   also a 3-master Redis Cluster (or STACK_REDIS_CLUSTER=1)
  --secure          also a broker with one SASL_SSL listener, SCRAM-SHA-512 and a CA of its own on
                    127.0.0.1:19094 (or STACK_KAFKA_SECURE=1); its client settings go to
                    .stack/kafka-secure/client.env
  --observability   also Prometheus and Alertmanager (or STACK_OBSERVABILITY=1)
  --no-provision    start only; no topics, subjects or migrations
  -h, --help        this text

exit codes: 0 ok; 1 a component failed or is down; 2 bad usage
`;

interface Planned {
  component: Component;
  /** The endpoint this component stands for; undefined for the optional ones (fault-test clusters, observability). */
  endpoint?: keyof Endpoints;
}

interface Options {
  kafkaCluster: boolean;
  redisCluster: boolean;
  secure: boolean;
  observability: boolean;
}

function plan(flags: Options): Planned[] {
  const planned: Planned[] = [
    { component: postgresComponent(), endpoint: 'databaseUrl' },
    { component: redisComponent(), endpoint: 'redisUrl' },
    { component: kafkaComponent(SINGLE_BROKER), endpoint: 'kafkaBrokers' },
    { component: registryComponent(), endpoint: 'schemaRegistryUrl' },
  ];
  if (flags.kafkaCluster) planned.push({ component: kafkaComponent(THREE_BROKERS) });
  if (flags.redisCluster) planned.push({ component: redisClusterComponent() });
  if (flags.secure) planned.push({ component: kafkaComponent(SECURE_BROKER) });
  if (flags.observability) {
    const layout = stackObservability();
    planned.push({ component: prometheusComponent(layout) }, { component: alertmanagerComponent(layout) });
  }
  return planned.filter((p) => !(p.endpoint && isExternal(p.endpoint)));
}

async function up(flags: Options & { provision: boolean }): Promise<void> {
  const started = Date.now();
  const planned = plan(flags).map((p) => p.component);
  const byName = new Map(planned.map((c) => [c.name, c]));
  const postgres = byName.get('postgres');
  const registry = byName.get('registry');
  const independent = planned.filter((c) => c !== postgres && c !== registry);
  // The registry stores its schemas in the stack's Postgres, so it waits for it.
  const postgresThenRegistry = async (): Promise<void> => {
    if (postgres) await ensureUp(postgres, say);
    if (registry) await ensureUp(registry, say);
  };
  await Promise.all([postgresThenRegistry(), ...independent.map((c) => ensureUp(c, say))]);
  if (flags.provision) await provisionAll(say);
  if (flags.secure) await provisionSecure(flags.provision);
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The secured broker's topics, and the variables that reach it, in a file to source. */
async function provisionSecure(provision: boolean): Promise<void> {
  const dir = stackPath(SECURE_BROKER.name);
  const address = kafkaComponent(SECURE_BROKER).address;
  if (provision) {
    const created = await provisionTopics(secureConnection(dir, address), Number(process.env.REQUEST_PARTITIONS ?? 6));
    say(`secured broker topics: ${created.length ? `created ${created.join(', ')}` : 'all present'}`);
  }
  say(`secured broker (SASL_SSL, ${SCRAM_MECHANISM}) at ${address}; its client settings: set -a; . ${path.relative(process.cwd(), writeClientEnv(dir, address))}; set +a`);
}

const EVERYTHING: Options = { kafkaCluster: true, redisCluster: true, secure: true, observability: true };

async function down(): Promise<void> {
  // The chaos run's private Redis, Postgres and registry too: no server outlives a CI run.
  const chaos = chaosInfra();
  const all = [...plan(EVERYTHING).map((p) => p.component), chaos.redis, chaos.postgres];
  // The registries first (they hold Postgres connections), then everything else.
  for (const c of [...all.filter((c) => c.name === 'registry'), chaos.registry]) await c.stop();
  await Promise.all(all.filter((c) => c.name !== 'registry').map((c) => c.stop()));
  say('stopped');
}

async function status(): Promise<boolean> {
  let allUp = true;
  for (const { component, endpoint } of plan(EVERYTHING)) {
    const healthy = await isHealthy(component);
    const optional = !endpoint;
    if (!healthy && !optional) allUp = false;
    if (optional && !healthy && !isAlive(readPid(`${component.name}-1`)) && !isAlive(readPid(component.name))) continue;
    say(`${component.name.padEnd(14)} ${healthy ? 'up  ' : 'DOWN'} ${component.address}`);
  }
  for (const key of ['kafkaBrokers', 'schemaRegistryUrl', 'databaseUrl', 'redisUrl'] as const) {
    if (isExternal(key)) say(`${key.padEnd(14)} external (left alone)`);
  }
  return allUp;
}

async function main(): Promise<number> {
  const args = parseOptions(
    {
      'kafka-cluster': { type: 'boolean' },
      'redis-cluster': { type: 'boolean' },
      secure: { type: 'boolean' },
      observability: { type: 'boolean' },
      'no-provision': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    process.argv.slice(2),
    { positionals: ['command'] },
  );
  if (args.flag('help')) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const command = args.positionals[0] ?? 'status';
  // Each flag may also be switched on from the environment (CI sets them once for every call).
  const flags = {
    kafkaCluster: args.flag('kafka-cluster') || process.env.STACK_KAFKA_BROKERS === '3',
    redisCluster: args.flag('redis-cluster') || process.env.STACK_REDIS_CLUSTER === '1',
    secure: args.flag('secure') || process.env.STACK_KAFKA_SECURE === '1',
    observability: args.flag('observability') || process.env.STACK_OBSERVABILITY === '1',
    provision: !args.flag('no-provision'),
  };
  if (command === 'up') await up(flags);
  else if (command === 'down') await down();
  else if (command === 'status') return (await status()) ? EXIT.ok : EXIT.failure;
  else if (command === 'broker') say(await brokerCommand(THREE_BROKERS, args.positionals.slice(1)));
  else throw new UsageError(`unknown command "${command}" (use up, down, status or broker)`);
  return EXIT.ok;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError;
    console.error(usage ? `stack: ${err.message}\n\n${USAGE}` : `[stack] FAILED ${err instanceof Error ? err.message : String(err)}`);
    process.exit(usage ? EXIT.usage : EXIT.failure);
  },
);
