/**
 * Scale-out: 1, 2, then 3 processors (a process each, one consumer group per step) on the
 * 6-partition topic set `bench-scale.*` of the stack's 3-broker cluster (started if it is not
 * running, and then stopped after the scenario; Postgres, Redis and the registry stay the stack's). Each step inserts its own coupons,
 * starts its processors and waits until the group holds all partitions, then writes its input in
 * one transaction: the processors see all of it at once, so the drain measures processing, not
 * joins or the input's production. The rate is the 10-90 % steady state of the processors'
 * summed committed-records counters; CPU is attributed to the cluster's brokers, and the
 * invariants are checked on the step's own outputs.
 */
import os from 'node:os';
import type { Component } from '../stack/component.ts';
import { ensureUp, isHealthy } from '../stack/ensure-up.ts';
import { kafkaComponent, THREE_BROKERS } from '../stack/kafka.ts';
import { resetGroupToEnd } from '../verify/group-offsets.ts';
import { outputEnds, type OutputSource } from '../verify/outputs.ts';
import { prefixedTopics, TOPIC_PREFIX_VARIABLE, TOPICS } from '../../schemas/topics.ts';
import { ENV_NAMES } from '../../platform/endpoints.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { BulkProducer } from './bulk-producer.ts';
import type { BenchContext } from './context.ts';
import type { ServerPorts } from './cpu.ts';
import { waitGroupAssigned } from './group-assignment.ts';
import { followDrain } from './processor-throughput.ts';
import { boundOf, type ScaleResult, type ScaleStep } from './report.ts';
import { buildRequests, insertCoupons } from './request-input.ts';
import { exitedReason, startBenchProcessor, stopService, waitDecided, type Processor } from './services.ts';
import { round, steadyRate } from './stats.ts';
import { provisionTopicSet } from '../provision/topic-set.ts';
import { verifyScenario } from './verify.ts';
import { plaintextConnection, type KafkaConnection } from '../../platform/kafka-config.ts';

export const SCALE_PREFIX = 'bench-scale.';
const PARTITIONS = 6;
const STEPS = [1, 2, 3] as const;
/** Enough coupons that every partition gets a similar share of the input. */
const COUPONS_PER_PARTITION = 20;

/** How many coupons and units a step's input of `records` requests spreads over (half of the requests win). */
export function scalePlan(records: number): { coupons: number; quantity: number } {
  const coupons = Math.max(PARTITIONS * COUPONS_PER_PARTITION, Math.round(records / 2_000));
  return { coupons, quantity: Math.max(1, Math.floor(records / coupons / 2)) };
}

/** records/s of the last step over the first, when both ran. */
export function scaleRatio(steps: readonly ScaleStep[]): number | null {
  const first = steps.find((s) => s.processors === 1);
  const last = steps.find((s) => s.processors === STEPS.at(-1));
  return first && last && first.records_per_s > 0 ? round(last.records_per_s / first.records_per_s, 2) : null;
}

interface Cluster {
  kafka: KafkaConnection;
  source: OutputSource;
  servers: ServerPorts;
}

async function step(ctx: BenchContext, cluster: Cluster, processors: number, records: number): Promise<ScaleStep> {
  const label = `scale-${processors}`;
  const { topics } = cluster.source;
  const plan = scalePlan(records);
  const since = await outputEnds(cluster.source);
  const groupId = `bench-${label}-${ctx.runId}`;
  await resetGroupToEnd(cluster.kafka, groupId, topics.requests);
  const couponIds = await insertCoupons(ctx, label, plan.coupons, plan.quantity);
  const requests = buildRequests(couponIds, records);
  const input = requests.map((r) => ({ key: recordKey(r.couponId), value: ctx.serde.encode(TOPICS.requests, r) }));

  ctx.progress('scale', `${processors} processor(s) on group ${groupId}`);
  const env = { [ENV_NAMES.kafkaBrokers]: cluster.kafka.brokers, [TOPIC_PREFIX_VARIABLE]: SCALE_PREFIX };
  const started: Processor[] = [];
  try {
    const starting = await Promise.allSettled(
      Array.from({ length: processors }, (_, i) => startBenchProcessor(ctx, groupId, 'batch', { instanceId: `${groupId}-${i + 1}`, role: `processor-${i + 1}`, env })),
    );
    for (const s of starting) if (s.status === 'fulfilled') started.push(s.value);
    const failed = starting.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    await waitGroupAssigned(cluster.kafka, groupId, topics.requests, processors, 60_000, () => started.map((p) => exitedReason(p.service)).find(Boolean));

    ctx.progress('scale', `${processors} processor(s): writing ${records.toLocaleString('en-US')} requests over ${plan.coupons} coupons in one transaction`);
    const producer = await BulkProducer.connect(cluster.kafka, { transactionalId: `bench-scale-input-${ctx.runId}`, murmur2: true });
    let startedAt: number;
    try {
      await producer.produceAllAtOnce(topics.requests, input);
      startedAt = Date.now();
    } finally {
      await producer.disconnect();
    }
    const phase = `scale ${processors}`;
    const samples = await ctx.measureCpu(phase, () => followDrain(ctx, 'scale', 'batch', started, records), cluster.servers);
    await waitDecided(ctx, started[0]!, couponIds, records, 60_000);
    for (const p of started.splice(0)) await stopService(p.service);

    const rate = steadyRate(samples, records, startedAt);
    const usage = ctx.cpuPhases[phase];
    ctx.progress('scale', `${processors} processor(s): ${Math.round(rate.perSecond).toLocaleString('en-US')} records/s`);
    await verifyScenario(ctx, 'scale', couponIds, requests.map((r) => r.eventId), since, cluster.source);
    return {
      processors,
      records,
      records_per_s: round(rate.perSecond),
      steady: rate.steady,
      drain_s: round((samples.at(-1)!.at - startedAt) / 1000, 2),
      machine_cores: usage?.machine ?? 0,
      cores_by_role: usage?.by_role ?? {},
      cpu_us_per_record: ctx.perUnit(phase, 'record', records),
      bound_by: usage ? boundOf(usage) : '-',
    };
  } finally {
    await Promise.all(started.map((p) => p.service.stop('SIGKILL')));
  }
}

export async function measureScale(ctx: BenchContext, records: number): Promise<ScaleResult> {
  const kafka = kafkaComponent(THREE_BROKERS);
  const startedHere = !(await isHealthy(kafka));
  await ensureUp(kafka, (msg) => ctx.progress('scale', msg));
  try {
    return await measureOnCluster(ctx, kafka, records);
  } finally {
    // An idle cluster of three brokers costs about a tenth of a core: it would be a foreign load on the scenarios after this one.
    if (startedHere) {
      ctx.progress('scale', 'stopping the 3-broker cluster this run started');
      await kafka.stop();
    }
  }
}

async function measureOnCluster(ctx: BenchContext, kafka: Component, records: number): Promise<ScaleResult> {
  // The bench's own embedded cluster: plaintext, whatever this process's KAFKA_SECURITY_* say.
  const connection = plaintextConnection(kafka.address);
  const topics = prefixedTopics(SCALE_PREFIX);
  await provisionTopicSet(connection, PARTITIONS, topics);
  const cluster: Cluster = { kafka: connection, source: { kafka: connection, topics }, servers: { ...ctx.servers, kafka: THREE_BROKERS.brokerPorts } };
  const steps: ScaleStep[] = [];
  for (const n of STEPS) steps.push(await step(ctx, cluster, n, records));
  return {
    brokers: THREE_BROKERS.brokerPorts.length,
    partitions: PARTITIONS,
    topic_prefix: SCALE_PREFIX,
    coupons: scalePlan(records).coupons,
    cores: os.cpus().length,
    steps,
    ratio_3_vs_1: scaleRatio(steps),
  };
}
