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

/**
 * One sendAll call's deliveries. Each record's opaque names the call and the record's index: one
 * small object a record instead of a closure a record, which (with the name the source build gives
 * every closure) cost the grant CLI about 0.4 µs a record in a profile.
 */
class Deliveries {
  readonly delivered: Delivered[];
  failure: Error | undefined;
  private left: number;
  private settle: () => void = () => undefined;
  readonly all: Promise<void>;

  constructor(private readonly requests: readonly CouponIssueRequested[]) {
    this.delivered = new Array<Delivered>(requests.length);
    this.left = requests.length;
    this.all = new Promise<void>((resolve) => (this.settle = resolve));
    if (this.left === 0) this.settle();
  }

  report(index: number, err: Kafka.LibrdKafkaError | null, r: Kafka.DeliveryReport): void {
    if (err) this.failure ??= new GrantProduceError(`producing the grant request of user ${this.requests[index]!.userId} failed: ${err.message}`, { cause: err });
    else this.delivered[index] = { partition: r.partition, offset: Number(r.offset) };
    this.done(1);
  }

  /** `n` records are settled (reported, or never handed over). */
  done(n: number): void {
    this.left -= n;
    if (this.left === 0) this.settle();
  }
}

interface Opaque {
  deliveries: Deliveries;
  index: number;
}

const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;
const MESSAGE_TIMEOUT_MS = 30_000;

export class GrantProducer {
  private constructor(
    private readonly producer: Kafka.Producer,
    private readonly serde: Serde,
  ) {
    producer.on('delivery-report', (err, report) => {
      const { deliveries, index } = report.opaque as Opaque;
      deliveries.report(index, err, report);
    });
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
    const deliveries = new Deliveries(requests);
    const deadline = Date.now() + MESSAGE_TIMEOUT_MS;
    for (let i = 0; i < requests.length; ) {
      const request = requests[i]!;
      try {
        this.producer.produce(TOPICS.requests, null, this.serde.encode(TOPICS.requests, request), recordKey(request.couponId), undefined, { deliveries, index: i } satisfies Opaque);
        i++;
      } catch (err) {
        if ((err as Kafka.LibrdKafkaError).code !== QUEUE_FULL || Date.now() > deadline) {
          // Records already handed over still report; wait for them so none reports into a finished call.
          deliveries.done(requests.length - i);
          await deliveries.all;
          throw new GrantProduceError(`producing the grant request of user ${request.userId} failed: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    await deliveries.all;
    if (deliveries.failure) throw deliveries.failure;
    return deliveries.delivered;
  }

  async close(): Promise<void> {
    await promisify<void>((cb) => this.producer.flush(10_000, () => cb(null)))().catch(() => undefined);
    await promisify<void>((cb) => this.producer.disconnect(() => cb(null)))();
  }
}
