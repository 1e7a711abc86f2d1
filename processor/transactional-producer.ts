/**
 * The processor's transactional producer (Kafka Streams' StreamsProducer): runs one Kafka
 * transaction per unit — output records plus the consumed offsets — and survives what a broker
 * bounce does to it:
 * - a retriable commit error (a timeout while the coordinator moves) retries the commit, since
 *   librdkafka allows it; an abortable one aborts;
 * - a fenced or otherwise fatal producer (coordinator moved, transaction timed out) is replaced by
 *   a new client with the same transactional.id, whose initialisation bumps the epoch and aborts
 *   whatever the old one left open — after a grace in which a zombie learns from its consumer that
 *   it is one, and stops instead (FENCED_GRACE_MS). The caller rewinds to the last committed offsets and retries;
 * - a call librdkafka never answers (librdkafka #5456, #5511: sending the offsets waits forever for
 *   a group coordinator that went away, whatever its timeout) is left behind after CALL_BOUND_MS:
 *   before the commit the transaction is certainly not committed, so the producer is replaced as
 *   above; a commit (or the abort after it) that never answers leaves the outcome unknown, and
 *   the process exits rather than guess — restarted, it resumes from the group's committed offsets;
 * - so does a commit that kept failing (not fenced) when its transaction cannot be aborted either.
 *   Each call left behind holds a libuv worker thread: past MAX_UNANSWERED of them the process exits too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { nativeProducerOf } from '../platform/kafka-native.ts';
import { flushPromptly } from '../platform/prompt-flush.ts';
import { backoffMs, classify, FatalProcessorError, TransactionCallHungError } from './errors.ts';
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
/**
 * How long one transactional call may go unanswered. librdkafka bounds each by the 5 s the client
 * passes it (commit and abort are retried on top of that, one bounded call at a time).
 */
const CALL_BOUND_MS = 20_000;
/** Calls left unanswered at once (each holds one of libuv's four worker threads) before the process exits. */
const MAX_UNANSWERED = 2;
/**
 * How long a fenced producer waits before it is replaced. A newer incarnation of this instance
 * (the same group.instance.id, so the same transactional.id) fences it; this instance's consumer
 * learns it is a zombie at its next heartbeat (librdkafka's heartbeat.interval.ms, 3 s) and the
 * process stops (retire). A replacement made before that bumps the epoch again and fences the
 * newer incarnation's transaction, whose outcome is then unknown and which exits too. After a
 * coordinator move nothing retires it, and the replacement comes this much later.
 */
const FENCED_GRACE_MS = 4_000;

export class TransactionalProducer {
  private producer: KafkaJS.Producer | undefined;
  /** When this producer was fenced lately (within FENCED_WINDOW_MS). */
  private fencings: number[] = [];
  /** Calls left behind unanswered that still have not returned. */
  private unanswered = 0;
  /** The processor is stopping: a producer that fails from now on is not replaced. */
  private retired = false;

  constructor(
    private readonly create: () => KafkaJS.Producer,
    private readonly consumer: KafkaJS.Consumer,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
    /** How long commit and abort are retried before the producer is replaced (the transaction timeout). */
    private readonly transactionTimeoutMs: number,
    /** How long start() keeps retrying (e.g. "coordinator load in progress") before giving up. */
    private readonly startDeadlineMs: number,
    private readonly callBoundMs = CALL_BOUND_MS,
    private readonly fencedGraceMs = FENCED_GRACE_MS,
  ) {}

  /** Connects (initTransactions), retrying retriable start-up errors. */
  async start(): Promise<void> {
    await retryUntil('transactional producer start', this.startDeadlineMs, this.log, async () => {
      const producer = this.create();
      try {
        // Not bounded: a connect left behind would go on to initTransactions and fence its successor.
        await producer.connect();
        takeOverDeliveryReports(producer, this.log);
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      this.producer = producer;
    });
  }

  /** From now on a failed producer is not replaced (the processor is stopping). */
  retire(): void {
    this.retired = true;
  }

  async close(): Promise<void> {
    this.retire();
    await this.producer?.disconnect();
  }

  /** One transaction with the unit's records and offsets. Throws after aborting (or replacing the producer). */
  async run(content: TransactionContent): Promise<void> {
    if (!this.producer) await this.start();
    const producer = this.producer!;
    const { metrics } = this;
    let committing = false;
    try {
      const transaction = await this.bounded('beginning a transaction', producer.transaction());
      // The records go out while the offsets make their round trips to the coordinators; the
      // commit flushes the records and fails if any of them failed (transaction-records.ts).
      await metrics.time('produce', async () => {
        produceRecords(producer, content.topicMessages);
        await this.bounded('sending the offsets to the transaction', transaction.sendOffsets({ consumer: this.consumer, topics: [content.offsets] }));
      });
      committing = true;
      await metrics.time('commit', () => this.commit(producer, transaction));
    } catch (err) {
      metrics.transactions.inc({ result: 'aborted' });
      await this.recover(producer, err, committing);
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
        await this.bounded('committing the transaction', transaction.commit());
        return;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
        this.log.warn({ err, attempt }, 'transaction commit timed out; retrying the commit');
        await sleep(backoffMs(attempt));
      }
    }
  }

  /**
   * Resolves with `call`, or rejects with TransactionCallHungError once it has gone unanswered for
   * the call bound; the call is left behind (and counted until it returns, if it ever does).
   */
  private bounded<T>(what: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.unanswered++;
        const answered = (): void => void this.unanswered--;
        call.then(answered, answered);
        reject(new TransactionCallHungError(`${what}: no answer from librdkafka in ${this.callBoundMs} ms`));
      }, this.callBoundMs);
    });
    return Promise.race([call, unanswered]).finally(() => clearTimeout(timer));
  }

  /**
   * After a failed transaction: abort it, or replace the producer when it cannot abort. `committing`:
   * the commit was called, so a call left unanswered from there on leaves the outcome unknown.
   */
  private async recover(producer: KafkaJS.Producer, cause: unknown, committing: boolean): Promise<void> {
    const hung = cause instanceof TransactionCallHungError;
    if (hung && committing) throw this.inDoubt(cause);
    // Abort unless the producer cannot: fenced, or a call of it still unanswered (an abort would conflict with it).
    if (classify(cause) !== 'producer-fenced') {
      const deadline = Date.now() + this.transactionTimeoutMs;
      for (let attempt = 0; producer.isActive(); attempt++) {
        try {
          await this.bounded('aborting the transaction', producer.abort());
          return;
        } catch (abortErr) {
          if (classify(abortErr) === 'producer-fenced' || Date.now() > deadline) break;
          this.log.warn({ err: abortErr, attempt }, 'abort failed; retrying');
          await sleep(backoffMs(attempt));
        }
      }
      if (!producer.isActive()) return;
      // The commit was called and nothing aborted its transaction: it may have committed, and a
      // replay from this process's own idea of the committed offsets would emit its records twice.
      if (committing) throw this.inDoubt(cause);
    }
    if (classify(cause) === 'producer-fenced' && !hung) {
      const now = Date.now();
      this.fencings = [...this.fencings.filter((t) => now - t < FENCED_WINDOW_MS), now];
      if (this.fencings.length >= FENCED_LIMIT) {
        throw new FatalProcessorError(`fenced ${this.fencings.length} times within ${FENCED_WINDOW_MS / 1000} s: another live instance uses this transactional.id`, { cause });
      }
      await sleep(this.fencedGraceMs);
    }
    if (this.retired) {
      throw new FatalProcessorError(`the transactional producer failed while the processor stops; not replaced (a replacement could fence a newer incarnation of this instance): ${(cause as Error).message}`, { cause });
    }
    if (this.unanswered >= MAX_UNANSWERED) {
      throw new FatalProcessorError(`${this.unanswered} transactional calls never returned (each holds a libuv worker thread); the last failure: ${(cause as Error).message}`, { cause });
    }
    this.log.warn({ err: cause }, 'transactional producer fenced or stuck; replacing it with a new one (same transactional.id)');
    this.metrics.producerResets.inc();
    this.producer = undefined;
    await this.bounded('disconnecting the replaced producer', producer.disconnect()).catch((err: unknown) => this.log.debug({ err }, 'disconnecting the replaced producer failed'));
    await this.start();
  }

  /** A commit neither confirmed nor aborted: whether it committed, only the group's offsets will tell a new process. */
  private inDoubt(cause: unknown): FatalProcessorError {
    return new FatalProcessorError(`the transaction's outcome is unknown (${(cause as Error).message}); exiting so that the restarted processor resumes from the group's committed offsets`, { cause });
  }
}
