/** What every scenario shares: the stack's clients, the CPU sampler, progress output, and what they record. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { endpointsFromEnv, type Endpoints } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv, type KafkaConnection } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv, type RegistryConnection } from '../../platform/registry-config.ts';
import { Serde } from '../../schemas/serde.ts';
import { prefixedTopics, TOPICS, type Topics } from '../../schemas/topics.ts';
import type { OutputSource } from '../verify/outputs.ts';
import { CpuSampler, microsPerUnit, type CpuUsage, type ServerPorts } from './cpu.ts';
import { portOfUrl, portsOfHostList } from './listeners.ts';
import type { InvariantCheck } from './report.ts';
import { provisionTopicSet, removeTopicSet } from '../provision/topic-set.ts';

const BENCH_PARTITIONS = 6;

/** A scenario could not be measured (a service did not come up, a drain never finished...). */
export class BenchError extends Error {
  override name = 'BenchError';
}

export class BenchContext {
  /** Names this run's consumer groups, coupons and scratch objects. */
  readonly runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly cpu = new CpuSampler();
  readonly cpuPhases: Record<string, CpuUsage> = {};
  readonly invariants: InvariantCheck[] = [];
  /**
   * Coupons this run inserted straight into Postgres (the processor's input), which have no gate
   * until a gateway rebuilds it, a settle bound after it first saw it missing. The next pipeline
   * waits for that before it measures (withPipeline), so the rebuild is not counted in its window.
   */
  readonly gatelessCoupons: number[] = [];
  /**
   * The topics of the services the bench starts on the stack's broker, this run's own (through
   * COUPON_TOPIC_PREFIX): another bench, a demo or the tests on the same broker cannot decide its
   * requests or add to its outputs. Deleted, with their subjects, by close().
   */
  readonly topicPrefix = `bench-${this.runId}.`;
  readonly topics: Topics = prefixedTopics(this.topicPrefix);

  private constructor(
    readonly endpoints: Endpoints,
    readonly kafka: KafkaConnection,
    private readonly registry: RegistryConnection,
    readonly db: pg.Pool,
    readonly serde: Serde,
  ) {}

  static async open(): Promise<BenchContext> {
    const endpoints = endpointsFromEnv();
    const registry = registryConnectionFromEnv();
    const serde = new Serde(registry);
    await serde.register(TOPICS.requests);
    const ctx = new BenchContext(endpoints, kafkaConnectionFromEnv(), registry, new pg.Pool({ connectionString: endpoints.databaseUrl, max: 4 }), serde);
    await provisionTopicSet(ctx.kafka, BENCH_PARTITIONS, ctx.topics);
    return ctx;
  }

  /** Progress goes to stderr: stdout carries the table. */
  progress(scenario: string, message: string): void {
    const clock = new Date().toISOString().slice(11, 19);
    process.stderr.write(`[bench ${clock}] ${scenario}: ${message}\n`);
  }

  /** Where the outputs of the bench's processors are read. */
  get outputs(): OutputSource {
    return { kafka: this.kafka, topics: this.topics };
  }

  /** The servers of the stack the scenarios run on (a scenario on other brokers names its own). */
  get servers(): ServerPorts {
    return {
      kafka: portsOfHostList(this.endpoints.kafkaBrokers),
      postgres: [portOfUrl(this.endpoints.databaseUrl, 5432)],
      redis: [portOfUrl(this.endpoints.redisUrl, 6379)],
      registry: [portOfUrl(this.endpoints.schemaRegistryUrl, 80)],
    };
  }

  /**
   * Runs `work` and records the CPU used by every process meanwhile under `phase`, the processes
   * serving `servers` (default: the stack's) counted as the scenario's.
   */
  async measureCpu<T>(phase: string, work: () => Promise<T>, servers: ServerPorts = this.servers): Promise<T> {
    const before = this.cpu.take(servers);
    const result = await work();
    const usage = this.cpu.usage(before, this.cpu.take(servers));
    if (usage) this.cpuPhases[phase] = usage;
    return result;
  }

  /** Records what `phase` did (`units` of `unit`) and returns its CPU µs per unit by role. */
  perUnit(phase: string, unit: string, units: number): Record<string, number> {
    const usage = this.cpuPhases[phase];
    const micros = microsPerUnit(usage, units);
    if (usage) Object.assign(usage, { unit, units, us_per_unit: micros });
    return micros;
  }

  /** Call once every service the run started has stopped. */
  async close(): Promise<void> {
    await this.db.end();
    await removeTopicSet(this.kafka, this.registry, this.topics);
  }
}
