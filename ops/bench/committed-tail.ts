/**
 * A read_committed consumer following the output topics while a scenario runs, noting when each
 * request's outcome record became visible: the moment the processor's transaction was committed,
 * as any downstream consumer would see it. Visibility times are taken when librdkafka hands the
 * records over (consume returns as soon as the first record is there).
 */
import Kafka from '@confluentinc/kafka-javascript';
import { rdkafkaConfig } from '../../platform/kafka-config.ts';
import { promisify } from 'node:util';
import { waitFor } from '../stack/process.ts';
import type { OutputOffsets } from '../verify/outputs.ts';
import { TOPICS, type OutputTopic } from '../../schemas/topics.ts';
import { BenchError, type BenchContext } from './context.ts';

export interface Sighting {
  /** Epoch ms when the record was handed to this consumer. */
  at: number;
  /** The contract topic name (TOPICS.issued...), whatever prefix the bench's topics carry. */
  topic: string;
  /** The request's requestedAt (the gateway's accept time), when the record carries it. */
  requestedAt: number | null;
}

/** Not in the type declarations: consume(n) returns once the first record is there instead of waiting for n. */
interface ConsumerWithFirstMessageTimeout {
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
}

const POLL_TIMEOUT_MS = 100;

export class CommittedTail {
  readonly seen = new Map<string, Sighting>();
  private closed = false;
  private failure: Error | undefined;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: BenchContext,
    private readonly consumer: Kafka.KafkaConsumer,
    /** The bench's output topic → the contract it carries (the name this process decodes with). */
    private readonly contracts: ReadonlyMap<string, OutputTopic>,
  ) {}

  /** Starts following the bench's output topics from `from` (usually outputEnds(ctx.outputs) just before the load). */
  static async open(ctx: BenchContext, from: OutputOffsets): Promise<CommittedTail> {
    const consumer = new Kafka.KafkaConsumer(
      rdkafkaConfig(ctx.kafka, {
        'group.id': `bench-tail-${ctx.runId}`,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 10,
      }),
      {},
    );
    await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
    const contracts = new Map<string, OutputTopic>([
      [ctx.topics.issued, TOPICS.issued],
      [ctx.topics.rejected, TOPICS.rejected],
      [ctx.topics.dlq, TOPICS.dlq],
    ]);
    consumer.assign([...contracts].flatMap(([topic, contract]) => [...from[contract]].map(([partition, offset]) => ({ topic, partition, offset }))));
    consumer.setDefaultConsumeTimeout(POLL_TIMEOUT_MS);
    (consumer as unknown as ConsumerWithFirstMessageTimeout).setDefaultIsTimeoutOnlyForFirstMessage(true);
    const tail = new CommittedTail(ctx, consumer, contracts);
    tail.loop = tail.follow().catch((err: unknown) => {
      tail.failure = err as Error;
    });
    return tail;
  }

  private async follow(): Promise<void> {
    const consume = promisify<number, Kafka.Message[]>((n, cb) => this.consumer.consume(n, cb));
    while (!this.closed) {
      const messages = await consume(5000);
      const at = Date.now();
      for (const m of messages) {
        const topic = this.contracts.get(m.topic)!;
        const record = await this.ctx.serde.decode(topic, m.value);
        if (!record.eventId) continue;
        this.seen.set(record.eventId, { at, topic, requestedAt: 'requestedAt' in record ? record.requestedAt : null });
      }
    }
  }

  /** Resolves once every one of `eventIds` has been seen. */
  async waitFor(eventIds: readonly string[], timeoutMs: number): Promise<void> {
    let missing = [...eventIds];
    await waitFor(
      () => {
        missing = missing.filter((id) => !this.seen.has(id));
        return missing.length === 0;
      },
      timeoutMs,
      50,
      () => (this.failure ? `the output reader failed: ${this.failure.message}` : undefined),
    ).catch((err: unknown) => {
      throw new BenchError(`${missing.length} of ${eventIds.length} outcomes not committed: ${(err as Error).message}`, { cause: err });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
    await promisify<void>((cb) => this.consumer.disconnect(() => cb(null)))();
    if (this.failure) throw this.failure;
  }
}
