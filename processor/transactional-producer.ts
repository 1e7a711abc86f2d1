/**
 * The processor's transactional producer (Kafka Streams' StreamsProducer): runs one Kafka
 * transaction per unit — output records plus the consumed offsets — and survives what a broker
 * bounce does to it:
 * - a retriable commit error (a timeout while the coordinator moves) retries the commit, since
 *   librdkafka allows it; an abortable one aborts;
 * - a fenced or otherwise fatal producer (coordinator moved, transaction timed out) is replaced by
 *   a new client with the same transactional.id, whose initialisation bumps the epoch and aborts
 *   whatever the old one left open. The caller rewinds to the last committed offsets and retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { nativeProducerOf } from '../platform/kafka-native.ts';
import { flushPromptly } from '../platform/prompt-flush.ts';
import { backoffMs, classify, FatalProcessorError } from './errors.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { retryUntil } from './retry.ts';
import { produceRecords, takeOverDeliveryReports, type TopicRecords } from './transaction-records.ts';

export interface TransactionContent {
  topicMessages: TopicRecords[];
  /** The next offset to consume, per source partition, committed with the transaction. */
  offsets: { topic: string; partitions: Array<{ partition: number; offset: string }> };
}

/** Fencings within FENCED_WINDOW_MS that prove another live owner of the transactional.id. */
const FENCED_LIMIT = 3;
const FENCED_WINDOW_MS = 60_000;
/** How long a commit's records are flushed promptly before the commit's own flush takes over. */
const PROMPT_FLUSH_MS = 5_000;

export class TransactionalProducer {
  private producer: KafkaJS.Producer | undefined;
  /** When this producer was fenced lately (within FENCED_WINDOW_MS). */
  private fencings: number[] = [];

  constructor(
    private readonly create: () => KafkaJS.Producer,
    private readonly consumer: KafkaJS.Consumer,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
    /** How long commit and abort are retried before the producer is replaced (the transaction timeout). */
    private readonly transactionTimeoutMs: number,
    /** How long start() keeps retrying (e.g. "coordinator load in progress") before giving up. */
    private readonly startDeadlineMs: number,
  ) {}

  /** Connects (initTransactions), retrying retriable start-up errors. */
  async start(): Promise<void> {
    await retryUntil('transactional producer start', this.startDeadlineMs, this.log, async () => {
      const producer = this.create();
      try {
        await producer.connect();
        takeOverDeliveryReports(producer, this.log);
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      this.producer = producer;
    });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }

  /** One transaction with the unit's records and offsets. Throws after aborting (or replacing the producer). */
  async run(content: TransactionContent): Promise<void> {
    if (!this.producer) await this.start();
    const producer = this.producer!;
    const { metrics } = this;
    try {
      const transaction = await producer.transaction();
      // The records go out while the offsets make their round trips to the coordinators; the
      // commit flushes the records and fails if any of them failed (transaction-records.ts).
      await metrics.time('produce', async () => {
        produceRecords(producer, content.topicMessages);
        await transaction.sendOffsets({ consumer: this.consumer, topics: [content.offsets] });
      });
      await metrics.time('commit', () => this.commit(producer, transaction));
    } catch (err) {
      metrics.transactions.inc({ result: 'aborted' });
      await this.recover(producer, err);
      throw err;
    }
    metrics.transactions.inc({ result: 'committed' });
  }

  private async commit(producer: KafkaJS.Producer, transaction: KafkaJS.Transaction): Promise<void> {
    const deadline = Date.now() + this.transactionTimeoutMs;
    // The commit flushes the records first, in 10 ms steps (platform/prompt-flush.ts); flushed
    // here, they are gone by then. Whatever this flush meets, the commit meets and reports too.
    await flushPromptly(nativeProducerOf(producer), PROMPT_FLUSH_MS).catch(() => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        await transaction.commit();
        return;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
        this.log.warn({ err, attempt }, 'transaction commit timed out; retrying the commit');
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** After a failed transaction: abort it, or replace the producer when it cannot abort. */
  private async recover(producer: KafkaJS.Producer, cause: unknown): Promise<void> {
    if (classify(cause) !== 'producer-fenced') {
      const deadline = Date.now() + this.transactionTimeoutMs;
      for (let attempt = 0; producer.isActive(); attempt++) {
        try {
          await producer.abort();
          return;
        } catch (abortErr) {
          if (classify(abortErr) === 'producer-fenced' || Date.now() > deadline) break;
          this.log.warn({ err: abortErr, attempt }, 'abort failed; retrying');
          await sleep(backoffMs(attempt));
        }
      }
      if (!producer.isActive()) return;
    }
    if (classify(cause) === 'producer-fenced') {
      const now = Date.now();
      this.fencings = [...this.fencings.filter((t) => now - t < FENCED_WINDOW_MS), now];
      if (this.fencings.length >= FENCED_LIMIT) {
        throw new FatalProcessorError(`fenced ${this.fencings.length} times within ${FENCED_WINDOW_MS / 1000} s: another live instance uses this transactional.id`, { cause });
      }
    }
    this.log.warn({ err: cause }, 'transactional producer fenced or stuck; replacing it with a new one (same transactional.id)');
    this.metrics.producerResets.inc();
    this.producer = undefined;
    await producer.disconnect().catch((err: unknown) => this.log.debug({ err }, 'disconnecting the replaced producer failed'));
    await this.start();
  }
}
