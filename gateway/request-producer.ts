/**
 * Produces CouponIssueRequested records (Avro through the schema registry, keyed by coupon id so a
 * coupon's requests share one partition and its FCFS order) with an idempotent, acks=all
 * producer, and resolves with where each record landed once the broker has acknowledged it.
 * Each record is one native produce() whose delivery report settles its own promise (the KafkaJS
 * layer's send() and report handler cost more JavaScript per request than the native call).
 */
import { KafkaJS, type DeliveryReport, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { CouponIssueRequested } from '../schemas/contracts.ts';
import { Serde } from '../schemas/serde.ts';
import { TOPICS } from '../schemas/topics.ts';
import { kafkaJsClient, type KafkaConnection } from '../platform/kafka-config.ts';
import { DELIVERY_REPORT, nativeProducerOf, type NativeProducer } from '../platform/kafka-native.ts';
import { checkKafkaAccess } from '../platform/kafka-refusal.ts';
import { registryRequest, type RegistryConnection } from '../platform/registry-config.ts';
import { classifyProduceFailure, type ProduceFailure } from './produce-failure.ts';
import { recordKey } from '../schemas/record-key.ts';

export interface RequestProducerOptions {
  kafka: KafkaConnection;
  registry: RegistryConnection;
  lingerMs: number;
  /**
   * Upper bound of a send, retries included. Enforced by librdkafka itself: a timer of our own
   * could reject while the record is still on its way and make the caller undo a reservation
   * whose record then lands after all.
   */
  messageTimeoutMs: number;
}

export interface ProducedAt {
  partition: number;
  offset: number;
}

/**
 * The record was not acknowledged. `failure` says whether it certainly was not written
 * (NOT_QUEUED: the reservation may be undone) or may still have been (UNKNOWN: see produce-failure.ts).
 */
export class ProduceError extends Error {
  constructor(
    message: string,
    readonly failure: ProduceFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ProduceError';
  }
}

/** A record's delivery report, routed to it as the native produce's opaque. */
type Delivery = (err: LibrdKafkaError | null, report: DeliveryReport) => void;

export class RequestProducer {
  private readonly native: NativeProducer;

  private constructor(
    private readonly producer: KafkaJS.Producer,
    private readonly admin: KafkaJS.Admin,
    private readonly serde: Serde,
    private readonly schemaId: number,
  ) {
    this.native = nativeProducerOf(producer);
    // Replaces the KafkaJS layer's handler (registered on connect), which expects its own opaque.
    this.native.removeAllListeners(DELIVERY_REPORT);
    this.native.on(DELIVERY_REPORT, (err: LibrdKafkaError | null, report: DeliveryReport) => (report.opaque as Delivery)(err, report));
  }

  /** Registers the schema (once) and connects; throws if either the registry or Kafka is unreachable. */
  static async start(options: RequestProducerOptions, log: Logger): Promise<RequestProducer> {
    const serde = new Serde(options.registry);
    const schemaId = await serde.register(TOPICS.requests);
    await checkKafkaAccess(options.kafka);
    const kafka = kafkaJsClient(options.kafka, { clientId: 'coupon-gateway', log, logLevel: KafkaJS.logLevel.WARN });
    const producer = kafka.producer({
      'enable.idempotence': true,
      acks: -1,
      'compression.codec': 'lz4',
      // A few ms of batching turns thousands of concurrent sends into a few produce requests.
      'linger.ms': options.lingerMs,
      'message.timeout.ms': options.messageTimeoutMs,
      // Retries are bounded by message.timeout.ms, not by a count.
      retries: 2_147_483_647,
      'retry.backoff.ms': 50,
      'retry.backoff.max.ms': 500,
      'reconnect.backoff.ms': 50,
      'reconnect.backoff.max.ms': 1000,
    });
    await producer.connect();
    const admin = producer.dependentAdmin();
    try {
      await admin.connect();
    } catch (err) {
      await producer.disconnect();
      throw err;
    }
    return new RequestProducer(producer, admin, serde, schemaId);
  }

  send(request: CouponIssueRequested): Promise<ProducedAt> {
    // Only failures name the request: built per request, the text would cost every send.
    const what = (): string => `the request of user ${request.userId} for coupon ${request.couponId}`;
    return new Promise<ProducedAt>((resolve, reject) => {
      let value: Buffer;
      try {
        value = this.serde.encode(TOPICS.requests, request);
      } catch (err) {
        reject(new ProduceError(`encoding ${what()} failed: ${(err as Error).message}`, 'NOT_QUEUED', { cause: err }));
        return;
      }
      const delivered: Delivery = (err, report) => {
        if (err) {
          reject(new ProduceError(`producing ${what()} failed: ${err.message}`, classifyProduceFailure(err), { cause: err }));
          return;
        }
        const offset = Number(report.offset);
        // Acknowledged, so written; only where is unknown.
        if (!Number.isSafeInteger(offset)) reject(new ProduceError(`the delivery report of ${what()} has no offset: ${JSON.stringify(report)}`, 'UNKNOWN'));
        else resolve({ partition: report.partition, offset });
      };
      try {
        this.native.produce(TOPICS.requests, null, value, recordKey(request.couponId), null, delivered);
      } catch (err) {
        // Refused before librdkafka took it (queue full, bad argument), or the client is not
        // connected (closing), which the native layer reports without a librdkafka code.
        const failure = this.native.isConnected() ? classifyProduceFailure(err) : 'NOT_QUEUED';
        reject(new ProduceError(`producing ${what()} failed: ${(err as Error).message}`, failure, { cause: err }));
      }
    });
  }

  /** Resolves when a broker answers a metadata request for the requests topic. */
  async checkKafka(timeoutMs: number): Promise<void> {
    await this.admin.fetchTopicMetadata({ topics: [TOPICS.requests], timeout: timeoutMs });
  }

  /**
   * Resolves when the registry serves the schema this producer writes with. Asked over HTTP
   * directly: the registry client caches schemas and would answer from memory.
   */
  async checkRegistry(timeoutMs: number): Promise<void> {
    const response = await registryRequest(this.serde.connection, `/schemas/ids/${this.schemaId}`, { timeoutMs });
    if (response.status !== 200) throw new Error(`the registry answered ${response.status} for schema id ${this.schemaId}`);
  }

  /** Delivers what is still queued (bounded by `timeoutMs`), then disconnects. */
  async close(timeoutMs: number): Promise<void> {
    try {
      await this.producer.flush({ timeout: timeoutMs });
    } finally {
      await this.admin.disconnect();
      await this.producer.disconnect();
    }
  }
}
