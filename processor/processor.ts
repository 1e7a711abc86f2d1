/**
 * The consume-transform-produce loop and its lifecycle (Kafka Streams' stream thread; Karafka's
 * consume / revoked / shutdown steps):
 * - consume: librdkafka hands over up to 4 × `batchMaxRecords` records of one partition; they are
 *   committed in transactions of at most `batchMaxRecords` (batch mode), each transaction's Kafka
 *   commit overlapping the next one's Postgres work, or one record per transaction (single mode);
 * - transient failure: the transaction is aborted, we back off with jitter and throw, and the
 *   consumer rewinds to the first uncommitted record of the batch;
 * - revoked: the client defers giving partitions up until the running batch has returned, so the
 *   in-flight transaction is committed or aborted first;
 * - fatal (fenced producer): stop consuming and report through `onFatal` (the process exits 1).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { kafkaLogger } from '../schemas/kafka-logger.ts';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorConfig } from './config.ts';
import type { SourceRecord } from './decode.ts';
import { backoffMs, FatalProcessorError, isFatalKafkaError, isTransient } from './errors.ts';
import type { IssuanceTask } from './task.ts';
import type { ProcessorMetrics } from './metrics.ts';

/** Units (transactions) per handed-over batch in batch mode. */
const FETCH_UNITS = 4;

export function kafkaClient(config: ProcessorConfig, log: Logger): KafkaJS.Kafka {
  return new KafkaJS.Kafka({
    kafkaJS: { brokers: config.kafkaBrokers.split(','), logger: kafkaLogger(log.child({ component: 'kafka' }, { level: 'warn' })), logLevel: KafkaJS.logLevel.WARN },
  });
}

export function createConsumer(kafka: KafkaJS.Kafka, config: ProcessorConfig): KafkaJS.Consumer {
  return kafka.consumer({
    kafkaJS: { groupId: config.groupId, autoCommit: false, fromBeginning: true, readUncommitted: false },
    // Hand over several transactions' worth at once, so one unit's commit overlaps the next one's Postgres work.
    'js.consumer.max.batch.size': config.mode === 'batch' ? config.batchMaxRecords * FETCH_UNITS : 1,
    'fetch.wait.max.ms': config.batchMaxWaitMs,
    'partition.assignment.strategy': 'cooperative-sticky',
    'group.instance.id': config.groupInstanceId,
    'session.timeout.ms': config.sessionTimeoutMs,
  });
}

export function createProducer(kafka: KafkaJS.Kafka, config: ProcessorConfig): KafkaJS.Producer {
  return kafka.producer({
    kafkaJS: { transactionalId: config.transactionalId, idempotent: true, maxInFlightRequests: 5 },
    'transaction.timeout.ms': config.transactionTimeoutMs,
    // librdkafka requires socket.timeout.ms <= transaction.timeout.ms + 100.
    'socket.timeout.ms': Math.min(60_000, config.transactionTimeoutMs),
    'linger.ms': 2,
    'compression.type': 'lz4',
  });
}

export class ProcessingLoop {
  private attempts = 0;
  private failed = false;

  constructor(
    private readonly consumer: KafkaJS.Consumer,
    private readonly task: IssuanceTask,
    private readonly config: ProcessorConfig,
    private readonly log: Logger,
    private readonly metrics: ProcessorMetrics,
    private readonly onFatal: (err: Error) => void,
  ) {}

  get healthy(): boolean {
    return !this.failed;
  }

  async start(): Promise<void> {
    await this.consumer.subscribe({ topics: [TOPICS.requests] });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (this.failed) throw new FatalProcessorError('processor has failed; not processing');
        const records = batch.messages.map((m) => toSource(batch.topic, batch.partition, m));
        const size = this.config.mode === 'batch' ? this.config.batchMaxRecords : 1;
        const units: SourceRecord[][] = [];
        for (let i = 0; i < records.length; i += size) units.push(records.slice(i, i + size));
        await this.runPipelined(units, (offset) => resolveOffset(String(offset)));
      },
    });
  }

  /**
   * Runs units in order, overlapping unit n's Kafka commit with unit n+1's Postgres work (which is
   * idempotent, so it is harmless if unit n's transaction then fails). Offsets are resolved only
   * for committed units: after a failure the consumer rewinds to the first uncommitted record.
   */
  private async runPipelined(units: SourceRecord[][], resolve: (offset: number) => void): Promise<void> {
    let committing: Promise<void> | undefined;
    try {
      for (const unit of units) {
        const prepared = await this.task.prepare(unit);
        await committing;
        committing = this.task.commit(prepared).then(() => resolve(prepared.records[prepared.records.length - 1]!.offset));
      }
      await committing;
      this.attempts = 0;
    } catch (err) {
      // Never leave a transaction in flight behind a failure.
      await committing?.catch(() => undefined);
      await this.onFailure(err, units[0]![0]!);
      throw err;
    }
  }

  private async onFailure(err: unknown, first: SourceRecord): Promise<void> {
    if (isFatalKafkaError(err) || !isTransient(err)) {
      this.failed = true;
      this.onFatal(err as Error);
      return;
    }
    const wait = backoffMs(this.attempts++);
    this.metrics.retries.inc();
    this.log.warn({ err, attempt: this.attempts, retryInMs: wait, partition: first.partition, offset: first.offset }, 'transient failure; rewinding to the last committed offset');
    await new Promise((r) => setTimeout(r, wait));
  }
}

function toSource(topic: string, partition: number, m: KafkaJS.KafkaMessage): SourceRecord {
  const headers = Object.entries(m.headers ?? {}).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value)) })),
  );
  return { topic, partition, offset: Number(m.offset), key: m.key ?? null, value: m.value ?? null, headers };
}
