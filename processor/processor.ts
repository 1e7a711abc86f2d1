/**
 * The consume-transform-produce loop and its lifecycle (Kafka Streams' stream thread; Karafka's
 * consume / revoked / shutdown steps):
 * - consume: librdkafka hands over up to `batchMaxRecords` records of one partition; the task
 *   commits them in one transaction (batch mode) or one transaction per record (single mode);
 * - transient failure: the transaction is aborted, we back off with jitter and throw, and the
 *   consumer rewinds to the first uncommitted record of the batch;
 * - revoked: the client defers giving partitions up until the running batch has returned, so the
 *   in-flight transaction is committed or aborted first;
 * - fatal (fenced producer): stop consuming and report through `onFatal` (the process exits 1).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorConfig } from './config.ts';
import type { SourceRecord } from './decode.ts';
import { backoffMs, FatalProcessorError, isFatalKafkaError, isTransient } from './errors.ts';
import type { IssuanceTask } from './task.ts';
import type { ProcessorMetrics } from './metrics.ts';

export function kafkaClient(config: ProcessorConfig, log: Logger): KafkaJS.Kafka {
  return new KafkaJS.Kafka({ kafkaJS: { brokers: config.kafkaBrokers.split(','), logger: kafkaLogger(log), logLevel: KafkaJS.logLevel.WARN } });
}

export function createConsumer(kafka: KafkaJS.Kafka, config: ProcessorConfig): KafkaJS.Consumer {
  return kafka.consumer({
    kafkaJS: { groupId: config.groupId, autoCommit: false, fromBeginning: true, readUncommitted: false },
    'js.consumer.max.batch.size': config.batchMaxRecords,
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
        const units = this.config.mode === 'batch' ? [records] : records.map((r) => [r]);
        for (const unit of units) {
          await this.commitWithRetry(unit);
          resolveOffset(String(unit[unit.length - 1]!.offset));
        }
      },
    });
  }

  private async commitWithRetry(unit: SourceRecord[]): Promise<void> {
    try {
      await this.task.commitUnit(unit);
      this.attempts = 0;
    } catch (err) {
      if (isFatalKafkaError(err) || !isTransient(err)) {
        this.failed = true;
        this.onFatal(err as Error);
        throw err;
      }
      const wait = backoffMs(this.attempts++);
      this.metrics.retries.inc();
      this.log.warn({ err, attempt: this.attempts, retryInMs: wait, partition: unit[0]!.partition, offset: unit[0]!.offset }, 'transient failure; rewinding to the last committed offset');
      await new Promise((r) => setTimeout(r, wait));
      throw err;
    }
  }
}

function toSource(topic: string, partition: number, m: KafkaJS.KafkaMessage): SourceRecord {
  const headers = Object.entries(m.headers ?? {}).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value)) })),
  );
  return { topic, partition, offset: Number(m.offset), key: m.key ?? null, value: m.value ?? null, headers };
}

function kafkaLogger(log: Logger): KafkaJS.Logger {
  const child = log.child({ component: 'kafka' }, { level: 'warn' });
  const logger: KafkaJS.Logger = {
    info: (msg, extra) => child.info(extra ?? {}, msg),
    warn: (msg, extra) => child.warn(extra ?? {}, msg),
    error: (msg, extra) => child.error(extra ?? {}, msg),
    debug: (msg, extra) => child.debug(extra ?? {}, msg),
    namespace: () => logger,
    setLogLevel: () => undefined,
  };
  return logger;
}
