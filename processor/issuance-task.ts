/**
 * One unit of exactly-once work (Kafka Streams' StreamTask), in four steps:
 * - stage: decode → plan → load into Postgres (a connection of its own, an open transaction);
 * - decide: in Postgres (committed there, idempotent);
 * - collect: the output records and statuses;
 * - commit: one Kafka transaction with the outputs and the consumed offsets of the units that
 *   partitions finished meanwhile (transaction-group.ts) → each partition's processed watermark.
 * The loop (pipeline.ts) runs one unit's Postgres decision while the JavaScript thread stages the
 * next unit and collects and commits the previous one.
 */
import type { Serde } from '../schemas/serde.ts';
import type { TopicName } from '../schemas/topics.ts';
import { decodeRecords, type SourceRecord } from './decode.ts';
import { collectOutputs, type CollectedBatch, type OutputRecord } from './emit.ts';
import type { ProcessorMetrics } from './metrics.ts';
import type { MisroutedRecords } from './misrouted-records.ts';
import { planBatch, type BatchPlan } from './plan.ts';
import type { Decision, LoadedUnit, PostgresDecider } from './postgres-decider.ts';
import type { StatusPublisher } from './status-publisher.ts';
import type { TransactionalProducer } from './transactional-producer.ts';
import type { TopicRecords } from './transaction-records.ts';
import type { UnknownSchemaGrace } from './unknown-schemas.ts';

export interface TaskDeps {
  serde: Serde;
  decider: PostgresDecider;
  producer: TransactionalProducer;
  statuses: StatusPublisher;
  unknownSchemas: UnknownSchemaGrace;
  metrics: ProcessorMetrics;
  misrouted: MisroutedRecords;
}

/** A unit decoded, planned and loaded into Postgres, ready for its decision. */
export interface StagedUnit {
  records: SourceRecord[];
  plan: BatchPlan;
  /** When the unit was decoded: the clock its field rules and outputs use. */
  now: number;
  loaded: LoadedUnit;
}

/** A unit decided in Postgres (committed there), its outputs not collected yet. */
export interface DecidedUnit extends StagedUnit {
  decision: Decision;
}

/** A unit with its output records, waiting for its Kafka transaction. */
export interface PreparedUnit {
  records: SourceRecord[];
  collected: CollectedBatch;
}

export class IssuanceTask {
  constructor(private readonly deps: TaskDeps) {}

  /** Decode, plan, and load into Postgres (on a connection of its own). Runs while the previous unit is decided. */
  async stage(records: SourceRecord[]): Promise<StagedUnit> {
    const { metrics, serde, unknownSchemas, decider } = this.deps;
    const now = Date.now();
    const createdAt = records[0]!.timestamp;
    if (createdAt > 0) metrics.unitWait.observe(Math.max(0, now - createdAt) / 1000);
    const decoded = await metrics.time('decode', () => decodeRecords(serde, records, now, unknownSchemas));
    const plan = planBatch(decoded);
    return { records, plan, now, loaded: await decider.load(plan.staged) };
  }

  /** Postgres: decides the unit, idempotently, so it may run while the previous unit's Kafka transaction commits. */
  async decide(unit: StagedUnit): Promise<DecidedUnit> {
    return { ...unit, decision: await this.deps.decider.decide(unit.loaded) };
  }

  /** A staged unit that will not be decided (its partition failed or stopped first) gives its connection back. */
  discard(unit: StagedUnit): Promise<void> {
    return this.deps.decider.discard(unit.loaded);
  }

  /**
   * The unit's output records and statuses (queued for Redis at once, since the ledger is final
   * now; not a bulk grant's). Runs while the next unit is decided.
   */
  collect({ records, plan, now, decision }: DecidedUnit): PreparedUnit {
    for (const { staged, message } of decision.unrecordable) {
      plan.staged.splice(plan.staged.indexOf(staged), 1);
      plan.deadLetters.push({ source: plan.sources.get(staged)!, errorType: 'UNPROCESSABLE', message, eventId: staged.eventId });
    }
    const collected = collectOutputs(plan, decision.outcomes, now);
    this.deps.statuses.publish(collected.statuses);
    return { records, collected };
  }

  /**
   * Kafka half: one transaction with the output records and the consumed offsets of `units`, at
   * most one unit per partition (transaction-group.ts gathers them).
   */
  async commit(units: PreparedUnit[]): Promise<void> {
    const lasts = units.map((u) => u.records[u.records.length - 1]!);
    await this.deps.producer.run({
      topicMessages: groupByTopic(units.flatMap((u) => u.collected.records), this.deps.serde),
      offsets: { topic: lasts[0]!.topic, partitions: lasts.map((last) => ({ partition: last.partition, offset: String(last.offset + 1) })) },
    });
    for (const last of lasts) this.deps.statuses.raiseWatermark(last.partition, last.offset);
    this.deps.metrics.batchSize.observe(units.reduce((n, u) => n + u.records.length, 0));
    for (const unit of units) {
      this.record(unit.collected);
      // After the commit: a unit retried after an abort is counted once.
      this.deps.misrouted.observe(unit.records);
    }
  }

  private record(collected: CollectedBatch): void {
    const { metrics } = this.deps;
    for (const [outcome, n] of Object.entries(collected.counts)) if (n > 0) metrics.records.inc({ outcome }, n);
    const now = Date.now();
    for (const o of collected.emitted) if (o.outcome === 'ISSUED') metrics.endToEnd.observe((now - o.requestedAt) / 1000);
  }
}

function groupByTopic(records: OutputRecord[], serde: Serde): TopicRecords[] {
  const byTopic = new Map<TopicName, TopicRecords['messages']>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({ key: r.key, value: serde.encode(r.topic, r.value) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
