/**
 * One unit of exactly-once work, in two halves: prepare (decode → plan → Postgres → collect
 * outputs) and commit (one Kafka transaction with the outputs and the consumed offsets → Redis
 * statuses). Kafka Streams' "task": the loop (processor.ts) feeds it records of one partition,
 * overlaps one unit's commit with the next unit's prepare, and owns retries.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Serde } from '../schemas/serde.ts';
import { TOPICS, type TopicName } from '../schemas/topics.ts';
import type { ProcessorMode } from './config.ts';
import { decodeRecord, type SourceRecord } from './decode.ts';
import { collectOutputs, type CollectedBatch, type OutputRecord } from './emit.ts';
import { backoffMs, FatalProcessorError, isFatalKafkaError, isTransient } from './errors.ts';
import { applyBatch, type LedgerOutcome } from './ledger.ts';
import { applyOne } from './ledger-single.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { planBatch, type BatchPlan } from './plan.ts';
import type { StatusPublisher } from './status-publisher.ts';

export interface TaskDeps {
  mode: ProcessorMode;
  serde: Serde;
  pool: pg.Pool;
  producer: KafkaJS.Producer;
  consumer: KafkaJS.Consumer;
  statuses: StatusPublisher;
  metrics: ProcessorMetrics;
  log: Logger;
  /** How long a failed abort is retried before the producer is given up (the transaction timeout). */
  abortDeadlineMs: number;
}

/** A unit decided in Postgres, waiting for its Kafka transaction. */
export interface PreparedUnit {
  records: SourceRecord[];
  collected: CollectedBatch;
}

export class IssuanceTask {
  constructor(private readonly deps: TaskDeps) {}

  /**
   * Postgres half of a unit: decode, plan, decide (committed in Postgres, idempotent). Safe to run
   * while the previous unit's Kafka transaction is still committing.
   */
  async prepare(records: SourceRecord[]): Promise<PreparedUnit> {
    const { metrics } = this.deps;
    const now = Date.now();
    const decoded = await metrics.time('decode', () => Promise.all(records.map((r) => decodeRecord(this.deps.serde, r, now))));
    const plan = planBatch(decoded);
    const outcomes = await this.decideIsolatingPoison(plan);
    return { records, collected: collectOutputs(plan, outcomes, now) };
  }

  /** Kafka half: one transaction with the unit's output records and its consumed offsets. */
  async commit(unit: PreparedUnit): Promise<void> {
    await this.produceAndCommit(unit.records, unit.collected);
    const last = unit.records[unit.records.length - 1]!;
    // Not awaited: statuses are best effort and must not hold up the next transaction.
    void this.deps.statuses.publish(unit.collected.emitted, new Map([[last.partition, last.offset]]));
    this.record(unit.collected, unit.records.length);
  }

  private async decideIsolatingPoison(plan: BatchPlan): Promise<LedgerOutcome[]> {
    try {
      return await this.decide(plan);
    } catch (err) {
      if (isTransient(err)) throw err;
      if (plan.staged.length <= 1) {
        // This one record makes Postgres fail for reasons of its own: dead-letter it, move on.
        this.deps.log.error({ err, eventId: plan.staged[0]?.eventId }, 'request cannot be processed; dead-lettering it');
        for (const s of plan.staged.splice(0)) {
          const source = plan.sources.get(`${s.partition}:${s.offset}`)!;
          plan.deadLetters.push({ source, errorType: 'UNPROCESSABLE', message: (err as Error).message, eventId: s.eventId });
        }
        return [];
      }
      // Somewhere in the batch is a record Postgres refuses: find it one record at a time.
      this.deps.log.warn({ err, records: plan.staged.length }, 'batch refused by Postgres; isolating record by record');
      const outcomes: LedgerOutcome[] = [];
      const staged = plan.staged.splice(0);
      for (const s of staged) {
        const single: BatchPlan = { staged: [s], deadLetters: [], sources: plan.sources };
        outcomes.push(...(await this.decideIsolatingPoison(single)));
        plan.staged.push(...single.staged);
        plan.deadLetters.push(...single.deadLetters);
      }
      return outcomes;
    }
  }

  private async decide(plan: BatchPlan): Promise<LedgerOutcome[]> {
    if (plan.staged.length === 0) return [];
    const client = await this.deps.pool.connect();
    let broken: Error | undefined;
    // A connection that dies while checked out emits 'error' on the client (the pool only watches
    // idle ones); unheard, that would crash the process. The running query fails on its own.
    const onError = (err: Error): void => {
      broken = err;
      this.deps.log.warn({ err }, 'Postgres connection lost during a batch');
    };
    client.on('error', onError);
    try {
      if (this.deps.mode === 'batch') return await applyBatch(client, plan.staged, (stage, work) => this.deps.metrics.time(stage, work));
      const outcomes: LedgerOutcome[] = [];
      for (const s of plan.staged) outcomes.push(await this.deps.metrics.time('merge', () => applyOne(client, s)));
      return outcomes;
    } catch (err) {
      // A connection that failed mid-transaction is not handed out again.
      if (isTransient(err)) broken = err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async produceAndCommit(records: SourceRecord[], collected: CollectedBatch): Promise<void> {
    const { producer, consumer, metrics, serde } = this.deps;
    const last = records[records.length - 1]!;
    const transaction = await producer.transaction();
    try {
      await metrics.time('produce', async () => {
        if (collected.records.length > 0) {
          await transaction.sendBatch({ topicMessages: groupByTopic(collected.records, serde) });
        }
        await transaction.sendOffsets({
          consumer,
          topics: [{ topic: last.topic, partitions: [{ partition: last.partition, offset: String(last.offset + 1) }] }],
        });
      });
      await metrics.time('commit', () => transaction.commit());
    } catch (err) {
      metrics.transactions.inc({ result: 'aborted' });
      await this.abort(transaction, err);
      throw err;
    }
    metrics.transactions.inc({ result: 'committed' });
  }

  /**
   * Aborts, retrying while the broker is unreachable (librdkafka allows retrying a timed-out
   * abort). A fenced producer, or one that cannot abort for the length of a transaction timeout,
   * cannot go on: that is fatal.
   */
  private async abort(transaction: KafkaJS.Transaction, cause: unknown): Promise<void> {
    const deadline = Date.now() + this.deps.abortDeadlineMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await transaction.abort();
        return;
      } catch (abortErr) {
        if (isFatalKafkaError(abortErr) || Date.now() > deadline) {
          throw new FatalProcessorError(`transaction could not be aborted after: ${(cause as Error).message}`, { cause: abortErr });
        }
        this.deps.log.warn({ err: abortErr, attempt }, 'abort failed; retrying');
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  }

  private record(collected: CollectedBatch, size: number): void {
    const { metrics } = this.deps;
    metrics.batchSize.observe(size);
    for (const [outcome, n] of Object.entries(collected.counts)) if (n > 0) metrics.records.inc({ outcome }, n);
    const now = Date.now();
    for (const o of collected.emitted) if (o.outcome === 'ISSUED') metrics.endToEnd.observe((now - o.requestedAt) / 1000);
  }
}

function groupByTopic(records: OutputRecord[], serde: Serde): Array<{ topic: string; messages: KafkaJS.Message[] }> {
  const byTopic = new Map<TopicName, KafkaJS.Message[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({ key: r.key, value: serde.encode(r.topic, r.value) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** The output topics whose schemas the task encodes with. */
export const OUTPUT_TOPICS: TopicName[] = [TOPICS.issued, TOPICS.rejected, TOPICS.dlq];
