/**
 * Counts the records committed to the DLQ topic by coupon and cause (the old design's DLQ monitor,
 * as a metric the DLQ alert is built on). It reads the topic itself, read_committed, in a consumer
 * group of its own shared by all processor instances: each DLQ partition is counted by exactly one
 * instance, so `sum` over instances is the topic's count, and records of aborted transactions are
 * never counted. Counting what reached the topic, rather than what a batch meant to send, also
 * covers DLQ records written by any other instance or tool.
 *
 * A new group reads from the start of the retained DLQ but counts only records written since this
 * instance started: older ones were counted before (or predate monitoring), and a counter starts
 * from zero with its process anyway.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { Serde } from '../schemas/serde.ts';
import { TOPICS } from '../schemas/topics.ts';
import { causeLabel, couponLabel } from './dead-letter-labels.ts';
import type { ProcessorMetrics } from './metrics.ts';

export const deadLetterGroupId = (processorGroupId: string): string => `${processorGroupId}-dlq-monitor`;

const START_WAIT_ON_STOP_MS = 10_000;

export class DeadLetterMonitor {
  private readonly consumer: KafkaJS.Consumer;
  private readonly startedAt = Date.now();

  constructor(
    kafka: KafkaJS.Kafka,
    processorGroupId: string,
    private readonly serde: Serde,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {
    this.consumer = kafka.consumer({ kafkaJS: { groupId: deadLetterGroupId(processorGroupId), fromBeginning: true, autoCommit: true, readUncommitted: false } });
  }

  private starting: Promise<void> | undefined;

  start(): Promise<void> {
    this.starting = (async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [TOPICS.dlq] });
      await this.consumer.run({ eachMessage: ({ message }) => this.count(message) });
    })();
    return this.starting;
  }

  /**
   * Waits (briefly) for a start still under way: the client throws an uncaught error when a
   * connect it is still making completes after a disconnect, which would turn a clean stop into
   * exit code 1.
   */
  async stop(): Promise<void> {
    await Promise.race([this.starting?.catch(() => undefined), sleep(START_WAIT_ON_STOP_MS, undefined, { ref: false })]);
    await this.consumer.disconnect().catch((err: unknown) => this.log.warn({ err }, 'DLQ monitor disconnect failed'));
  }

  private async count(message: KafkaJS.KafkaMessage): Promise<void> {
    if (Number(message.timestamp) < this.startedAt) return;
    const cause = await this.serde.decode(TOPICS.dlq, message.value).then(
      (deadLetter) => deadLetter.errorType,
      (err: unknown) => {
        this.log.warn({ err, offset: message.offset }, 'DLQ record cannot be decoded; counted with cause UNKNOWN');
        return undefined;
      },
    );
    this.metrics.deadLetters.inc({ coupon: couponLabel(message.key), cause: causeLabel(cause) });
  }
}
