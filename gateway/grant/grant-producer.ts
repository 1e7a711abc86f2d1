/**
 * Produces a grant's requests to coupon-issue-requests as fast as librdkafka allows (its native
 * API: one produce() per record into the client's queue, each record's delivery report routed
 * back to it), with the gateway's durability (idempotent, acks=all, lz4) and its partitioning
 * (murmur2 of the coupon id, so the grant's requests share the coupon's partition and FCFS order).
 */
import Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';
import { rdkafkaConfig, type KafkaConnection } from '../../platform/kafka-config.ts';
import type { RegistryConnection } from '../../platform/registry-config.ts';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';

/** A grant's record was not acknowledged (it may or may not be in Kafka: a re-run produces it again, harmlessly). */
export class GrantProduceError extends Error {
  override name = 'GrantProduceError';
}

export interface Delivered {
  partition: number;
  offset: number;
}

type Report = (err: Kafka.LibrdKafkaError | null, report: Kafka.DeliveryReport) => void;

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const MESSAGE_TIMEOUT_MS = 30_000;

export class GrantProducer {
  private constructor(
    private readonly producer: Kafka.Producer,
    private readonly serde: Serde,
  ) {
    producer.on('delivery-report', (err, report) => (report.opaque as Report)(err, report));
  }

  static async start(kafka: KafkaConnection, registry: RegistryConnection): Promise<GrantProducer> {
    const serde = new Serde(registry);
    await serde.register(TOPICS.requests);
    const producer = new Kafka.Producer(rdkafkaConfig(kafka, {
      'client.id': 'coupon-grant',
      'enable.idempotence': true,
      acks: -1,
      'compression.codec': 'lz4',
      partitioner: 'murmur2_random',
      'linger.ms': 5,
      'message.timeout.ms': MESSAGE_TIMEOUT_MS,
      dr_cb: true,
    }));
    await promisify<void>((cb) => producer.connect({}, (err) => cb(err)))();
    producer.setPollInterval(5);
    return new GrantProducer(producer, serde);
  }

  /** Produces every request; resolves with where each landed (in order) once all are acknowledged. */
  async sendAll(requests: readonly CouponIssueRequested[]): Promise<Delivered[]> {
    const delivered: Delivered[] = new Array<Delivered>(requests.length);
    let failure: Error | undefined;
    let left = requests.length;
    let settle: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (settle = resolve));
    if (left === 0) settle();
    const deadline = Date.now() + MESSAGE_TIMEOUT_MS;
    for (let i = 0; i < requests.length; ) {
      const request = requests[i]!;
      const index = i;
      const report: Report = (err, r) => {
        if (err) failure ??= new GrantProduceError(`producing the grant request of user ${request.userId} failed: ${err.message}`, { cause: err });
        else delivered[index] = { partition: r.partition, offset: Number(r.offset) };
        if (--left === 0) settle();
      };
      try {
        this.producer.produce(TOPICS.requests, null, this.serde.encode(TOPICS.requests, request), recordKey(request.couponId), undefined, report);
        i++;
      } catch (err) {
        if ((err as Kafka.LibrdKafkaError).code !== QUEUE_FULL || Date.now() > deadline) {
          // Records already handed over still report; wait for them so none reports into a finished call.
          left -= requests.length - i;
          if (left === 0) settle();
          await all;
          throw new GrantProduceError(`producing the grant request of user ${request.userId} failed: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    await all;
    if (failure) throw failure;
    return delivered;
  }

  async close(): Promise<void> {
    await promisify<void>((cb) => this.producer.flush(10_000, () => cb(null)))().catch(() => undefined);
    await promisify<void>((cb) => this.producer.disconnect(() => cb(null)))();
  }
}
