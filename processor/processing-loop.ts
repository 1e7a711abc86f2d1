/**
 * The consume-transform-produce loop and its failure policy (Kafka Streams' StreamThread):
 * - consume: librdkafka hands over up to `unitsPerFetch` units of a partition, to up to
 *   `partitionsInFlight` partitions at once (mode.ts); each unit of up to `unitRecords` records is
 *   decided in Postgres on a connection of its own while the JavaScript thread decodes the next
 *   unit and commits the previous one (pipeline.ts), and the units that partitions finish
 *   meanwhile share one transaction (transaction-group.ts);
 * - failure: the unit's transaction was aborted (or its producer replaced); we back off with
 *   jitter and throw, and the consumer rewinds to the first uncommitted record. Nothing is skipped:
 *   the partition waits. After `stallTimeoutMs` without a commit the process exits non-zero with
 *   the last error, for a supervisor to restart it; a zombie exits at once;
 * - revoked: the client gives partitions up only after the running batch has returned, so the
 *   in-flight transaction is committed or aborted first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorConfig } from './config.ts';
import type { SourceRecord } from './decode.ts';
import { backoffMs, classify, FatalProcessorError, FencedInstanceError } from './errors.ts';
import type { IssuanceTask, PreparedUnit } from './issuance-task.ts';
import type { ProcessorMetrics } from './metrics.ts';
import type { ModeStrategy } from './mode.ts';
import { runPipelined } from './pipeline.ts';
import { TransactionGroup } from './transaction-group.ts';

export class ProcessingLoop {
  private attempts = 0;
  private failed = false;
  /** When the current run of failures began; undefined while commits succeed. */
  private failingSince: number | undefined;
  private readonly transactions: TransactionGroup<PreparedUnit>;

  constructor(
    private readonly consumer: KafkaJS.Consumer,
    private readonly task: IssuanceTask,
    private readonly mode: Pick<ModeStrategy, 'unitRecords' | 'partitionsInFlight'>,
    private readonly config: Pick<ProcessorConfig, 'stallTimeoutMs' | 'unhealthyAfterMs'>,
    private readonly log: Logger,
    private readonly metrics: ProcessorMetrics,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.transactions = new TransactionGroup((units) => task.commit(units));
  }

  /** Alive and not stuck: a partition failing for longer than `unhealthyAfterMs` makes this false. */
  get healthy(): boolean {
    return !this.failed && this.failingFor() < this.config.unhealthyAfterMs;
  }

  /** Milliseconds of failures without a commit in between. */
  failingFor(now = Date.now()): number {
    return this.failingSince === undefined ? 0 : now - this.failingSince;
  }

  async start(): Promise<void> {
    await this.consumer.subscribe({ topics: [TOPICS.requests] });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.mode.partitionsInFlight,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (this.failed) throw new FatalProcessorError('processor has failed; not processing');
        const records = batch.messages.map((m) => toSource(batch.topic, batch.partition, m));
        const units: SourceRecord[][] = [];
        for (let i = 0; i < records.length; i += this.mode.unitRecords) units.push(records.slice(i, i + this.mode.unitRecords));
        await this.runUnits(units, (offset) => resolveOffset(String(offset)));
      },
    });
  }

  /**
   * Unit n's Postgres decision runs while unit n-1 is collected and committed to Kafka and unit
   * n+1 is decoded (pipeline.ts); a decision committed in Postgres before a failed Kafka transaction
   * is harmless (idempotent). Offsets are resolved only for committed units: after a failure the
   * consumer rewinds to the first uncommitted record.
   */
  private async runUnits(units: SourceRecord[][], resolve: (offset: number) => void): Promise<void> {
    try {
      await runPipelined(units, {
        stage: (unit) => this.task.stage(unit),
        decide: (staged) => this.task.decide(staged),
        commit: async (decided) => {
          const prepared = this.task.collect(decided);
          await this.transactions.submit(prepared);
          resolve(prepared.records[prepared.records.length - 1]!.offset);
          this.progressed();
        },
      });
    } catch (err) {
      await this.onFailure(err, units[0]![0]!);
      throw err;
    }
  }

  private progressed(): void {
    this.attempts = 0;
    this.failingSince = undefined;
    this.metrics.stalledSeconds.set(0);
  }

  private async onFailure(err: unknown, first: SourceRecord): Promise<void> {
    const now = Date.now();
    this.failingSince ??= now;
    const failingFor = this.failingFor(now);
    this.metrics.stalledSeconds.set(failingFor / 1000);
    const where = { partition: first.partition, offset: first.offset };
    if (classify(err) === 'zombie') {
      this.failed = true;
      this.onFatal(err instanceof FatalProcessorError ? err : new FencedInstanceError((err as Error).message, { cause: err }));
      return;
    }
    if (failingFor > this.config.stallTimeoutMs) {
      this.failed = true;
      const reason = `no progress for ${Math.round(failingFor / 1000)} s at partition ${where.partition} offset ${where.offset}; last error: ${(err as Error).message}`;
      this.onFatal(new FatalProcessorError(reason, { cause: err }));
      return;
    }
    const wait = backoffMs(this.attempts++);
    this.metrics.retries.inc();
    this.log.warn({ err, attempt: this.attempts, retryInMs: wait, failingForMs: failingFor, ...where }, 'unit failed; rewinding to the last committed offset and retrying');
    await sleep(wait);
  }
}

function toSource(topic: string, partition: number, m: KafkaJS.KafkaMessage): SourceRecord {
  const headers = Object.entries(m.headers ?? {}).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value)) })),
  );
  return { topic, partition, offset: Number(m.offset), key: m.key ?? null, value: m.value ?? null, headers };
}
