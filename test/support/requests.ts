/** Producing CouponIssueRequested records the way the gateway does, and creating coupons. */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';

export interface ProducedRequest extends CouponIssueRequested {
  partition: number;
  offset: number;
}

export function request(couponId: number, userId: number, requestedAt = Date.now()): CouponIssueRequested {
  return { eventId: uuidv7(), couponId, userId, requestedAt };
}

export class RequestProducer {
  readonly serde = new Serde(registryConnectionFromEnv());
  private readonly producer = kafkaJsClient(kafkaConnectionFromEnv()).producer({
    kafkaJS: { idempotent: true, acks: -1 },
    'linger.ms': 5,
  });

  async connect(): Promise<this> {
    await this.serde.register(TOPICS.requests);
    await this.producer.connect();
    return this;
  }

  /**
   * Sends in order and returns each request with where it landed: on the partitioner's partition,
   * or on `partition` when given (what a producer with another partitioner does). `timestamp`:
   * the records' Kafka timestamp (ms) instead of the time of sending.
   */
  async send(requests: CouponIssueRequested[], partition?: number, timestamp?: number): Promise<ProducedRequest[]> {
    const out: ProducedRequest[] = [];
    const CHUNK = 5000;
    for (let i = 0; i < requests.length; i += CHUNK) {
      const chunk = requests.slice(i, i + CHUNK);
      // One send per record: the KafkaJS-style API reports one offset per partition and call.
      // Calls enqueue synchronously, so records keep their order.
      const reports = await Promise.all(
        chunk.map((r) =>
          this.producer.send({ topic: TOPICS.requests, messages: [{ key: recordKey(r.couponId), value: this.serde.encode(TOPICS.requests, r), partition, timestamp: timestamp?.toString() }] }),
        ),
      );
      chunk.forEach((r, j) => out.push({ ...r, ...landed(reports[j]!) }));
    }
    return out;
  }

  /** Sends raw bytes (for poison records). */
  async sendRaw(key: string, value: Buffer | null, headers?: Record<string, string>): Promise<{ partition: number; offset: number }> {
    return landed(await this.producer.send({ topic: TOPICS.requests, messages: [{ key, value, headers }] }));
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

function landed(reports: KafkaJS.RecordMetadata[]): { partition: number; offset: number } {
  const [report] = reports;
  if (!report) throw new Error('no delivery report');
  return { partition: report.partition, offset: Number(report.baseOffset ?? report.offset) };
}

export const pool = (): pg.Pool => new pg.Pool({ connectionString: endpointsFromEnv().databaseUrl, max: 4 });

export async function createCoupon(db: pg.Pool, totalQuantity: number, window: { startsAt?: Date; endsAt?: Date | null } = {}): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO coupons (name, total_quantity, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [`test coupon ${uuidv7()}`, totalQuantity, window.startsAt ?? new Date(Date.now() - 60_000), window.endsAt ?? null],
  );
  return Number(rows[0]!.id);
}
