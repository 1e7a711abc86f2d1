/** The processor's Prometheus metrics. */
import client from 'prom-client';
import type { OutcomeLabel } from './emit.ts';
import { ZeroFirstCounter } from './zero-first-counter.ts';

/** Buckets that resolve 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Stage = 'decode' | 'copy' | 'merge' | 'produce' | 'commit';

/** Every outcome label, checked complete by the compiler: each series exists at 0 from the start. */
const OUTCOMES: Record<OutcomeLabel, null> = { issued: null, rejected: null, failed: null, dead_letter: null, duplicate: null };
const TRANSACTION_RESULTS = ['committed', 'aborted'] as const;
const STATUS_WRITE_ERRORS = ['failed', 'dropped'] as const;

export class ProcessorMetrics {
  readonly registry = new client.Registry();
  readonly records = new client.Counter({
    name: 'coupon_processor_records_total',
    help: 'Records processed, by outcome (issued, rejected, failed, dead_letter, duplicate).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new client.Histogram({
    name: 'coupon_processor_batch_size_records',
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
  /** Kafka Streams' record end-to-end latency at the source (KIP-613), once a unit: its first record's, the one that waited longest. */
  readonly unitWait = new client.Histogram({
    name: 'coupon_processor_unit_wait_seconds',
    help: "Per unit of work: how long its first request had waited when the processor took the unit (from the record's timestamp, through the consumer's fetch and the partition's queue).",
    // A backlog's waits are minutes.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
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
  /** Only for the partitions this instance owns: summed over instances it is the group's lag. */
  readonly consumerLag = new client.Gauge({
    name: 'coupon_processor_consumer_lag_records',
    help: 'Records of the requests topic not yet committed by the group, per partition this instance owns.',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });
  readonly producerResets = new client.Counter({
    name: 'coupon_processor_producer_resets_total',
    help: 'Transactional producers replaced after being fenced or stuck (coordinator moved, transaction timed out).',
    registers: [this.registry],
  });
  /** Seconds of failures, or of units in flight without an outcome, since the last commit, as the processing loop reports them; read at each scrape. */
  stalledFor: () => number = () => 0;
  readonly stalledSeconds: client.Gauge = new client.Gauge({
    name: 'coupon_processor_stalled_seconds',
    help: 'How long the processor has been failing to commit, or has had units in flight that neither commit nor fail, without progress (0 while healthy).',
    registers: [this.registry],
    // Read when scraped: between two failed attempts (a back-off, a lock wait) the stall goes on.
    collect: (): void => this.stalledSeconds.set(this.stalledFor()),
  });
  readonly statusBacklog = new client.Gauge({
    name: 'coupon_processor_status_backlog',
    help: 'Decided requests whose Redis status is queued for writing.',
    registers: [this.registry],
  });
  readonly statusWriteErrors = new client.Counter({
    name: 'coupon_processor_status_write_errors_total',
    help: 'Redis status writes that failed (kind=failed, retried) or were given up (kind=dropped, the gateway answers from the ledger).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly groupLag = new client.Gauge({
    name: 'coupon_processor_group_lag_records',
    help: 'Records of the requests topic not yet committed by the group, for every partition (each instance reports them all: aggregate with max by partition). A partition with lag here and no coupon_processor_consumer_lag_records series has no owner.',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });
  readonly oldestPendingAge = new client.Gauge({
    name: 'coupon_processor_oldest_pending_age_seconds',
    help: 'How long the oldest uncommitted request has been waiting, per partition this instance owns (0 when none; resolution: the lag interval).',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });
  private readonly deadLetterCounter: client.Counter<'coupon' | 'cause'> = new client.Counter({
    name: 'coupon_dlq_records_total',
    help: 'Records committed to the DLQ topic, by coupon (the record key) and cause (errorType); counted once across instances (see dead-letter-monitor.ts).',
    labelNames: ['coupon', 'cause'] as const,
    registers: [this.registry],
    collect: (): void => this.deadLetters.onScrape(),
  });
  readonly deadLetters: ZeroFirstCounter<'coupon' | 'cause'> = new ZeroFirstCounter(this.deadLetterCounter);
  readonly misroutedRecords = new client.Counter({
    name: 'coupon_processor_misrouted_records_total',
    help: 'Requests on another partition than murmur2 of their key gives (a producer without the murmur2 partitioner; first-come-first-served does not hold for their coupon); decided as usual.',
    registers: [this.registry],
  });
  readonly healthy = new client.Gauge({
    name: 'coupon_processor_healthy',
    help: '1 while healthy; 0 while failing without a commit, or with units in flight that neither commit nor fail, for longer than PROCESSOR_UNHEALTHY_AFTER_MS, or once failed for good (the process then exits for a supervisor to restart it).',
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    // A series that first appears at 1 shows no increase(): the first abort would never alert.
    for (const outcome of Object.keys(OUTCOMES)) this.records.inc({ outcome }, 0);
    for (const result of TRANSACTION_RESULTS) this.transactions.inc({ result }, 0);
    for (const kind of STATUS_WRITE_ERRORS) this.statusWriteErrors.inc({ kind }, 0);
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
