import client from 'prom-client';

/** Buckets that resolve 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Stage = 'decode' | 'copy' | 'merge' | 'produce' | 'commit';

export class ProcessorMetrics {
  readonly registry = new client.Registry();
  readonly records = new client.Counter({
    name: 'coupon_processor_records_total',
    help: 'Records processed, by outcome (issued, rejected, failed, dead_letter, duplicate).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new client.Histogram({
    name: 'coupon_processor_batch_size',
    help: 'Records per committed transaction.',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
    registers: [this.registry],
  });
  readonly stageDuration = new client.Histogram({
    name: 'coupon_processor_stage_duration_seconds',
    help: 'Time per batch stage.',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly transactions = new client.Counter({
    name: 'coupon_processor_transactions_total',
    help: 'Kafka transactions, by result (committed, aborted).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly retries = new client.Counter({
    name: 'coupon_processor_retries_total',
    help: 'Units of work retried after a transient failure (Postgres, broker or registry unavailable).',
    registers: [this.registry],
  });
  readonly endToEnd = new client.Histogram({
    name: 'coupon_processor_end_to_end_seconds',
    help: 'From the request accepted at the gateway to its outcome committed.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly consumerLag = new client.Gauge({
    name: 'coupon_processor_consumer_lag',
    help: 'Records of the requests topic not yet committed by the group, per partition.',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }

  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const end = this.stageDuration.startTimer({ stage });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
