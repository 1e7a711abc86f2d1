/**
 * The consume-transform-produce loop and its failure policy (Kafka Streams' StreamThread):
 * - poll: one loop polls librdkafka into per-partition queues (partition-buffers.ts) while the
 *   partitions are processed, up to a bound of records waiting, so a partition's next records are
 *   already there when its current unit is decided;
 * - process: up to `partitionsInFlight` partitions at once, each a stream of units of up to
 *   `unitRecords` records, pipelined (pipeline.ts): unit n is decided in Postgres on the
 *   partition's connection while the JavaScript thread decodes unit n+1 and commits unit n-1; the
 *   units that partitions finish meanwhile share one transaction (transaction-group.ts);
 * - failure: the unit's transaction was aborted (or its producer replaced); the partition is
 *   paused and its waiting records dropped, and after a back-off with jitter the consumer seeks
 *   back to the first record not committed. Nothing is skipped: the partition waits. After
 *   `stallTimeoutMs` without a commit the process exits non-zero with the last error, for a
 *   supervisor to restart it; a zombie exits at once;
 * - revoked (eager rebalance): the partitions' units in flight are committed or aborted first,
 *   then the consumer gives the partitions up.
 */
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { TOPICS } from '../schemas/topics.ts';
import type { ProcessorConfig } from './config.ts';
import type { SourceRecord } from './decode.ts';
import { backoffMs, classify, FatalProcessorError, FencedInstanceError } from './errors.ts';
import type { IssuanceTask, PreparedUnit } from './issuance-task.ts';
import { QUEUE_NON_EMPTY, type NativeConsumer } from './kafka-clients.ts';
import type { ProcessorMetrics } from './metrics.ts';
import type { ModeStrategy } from './mode.ts';
import { PartitionBuffers } from './partition-buffers.ts';
import { runPipelined } from './pipeline.ts';
import { StuckWatch } from './stuck-watch.ts';
import { TransactionGroup } from './transaction-group.ts';

/** How long the loop waits for the consumer's "queue not empty" signal before it polls anyway. */
const IDLE_POLL_MS = 100;
const SEEK_TIMEOUT_MS = 10_000;
/** How often the loop checks whether its units in flight are stuck. */
const STUCK_CHECK_MS = 5_000;
const { ERR__ASSIGN_PARTITIONS, ERR__REVOKE_PARTITIONS, ERR__FATAL } = Kafka.CODES.ERRORS;

export class ProcessingLoop {
  private attempts = 0;
  private failed = false;
  private stopping = false;
  /** When the current run of failures began; undefined while commits succeed. */
  private failingSince: number | undefined;
  private readonly transactions: TransactionGroup<PreparedUnit>;
  private readonly buffers = new PartitionBuffers();
  /** The partitions being processed now. */
  private readonly working = new Map<number, Promise<void>>();
  /** Seeks back after failures, done between polls: a poll issued after a seek returns records from there. */
  private readonly seeks = new Map<number, number>();
  private revocation: Promise<void> | undefined;
  private polling: Promise<void> | undefined;
  /** Wakes the poll loop waiting for room in the buffers or for records. */
  private wake: (() => void) | undefined;
  private woken = false;
  private readonly stuck = new StuckWatch();
  private stuckCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: NativeConsumer,
    private readonly task: IssuanceTask,
    private readonly mode: Pick<ModeStrategy, 'unitRecords' | 'partitionsInFlight' | 'unitsPerTurn'>,
    private readonly config: Pick<ProcessorConfig, 'stallTimeoutMs' | 'unhealthyAfterMs'>,
    private readonly log: Logger,
    private readonly metrics: ProcessorMetrics,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.transactions = new TransactionGroup((units) => task.commit(units));
    metrics.stalledFor = () => this.stalledFor() / 1000;
  }

  /** Alive and not stuck: failing, or units in flight with no outcome, for longer than `unhealthyAfterMs` makes this false. */
  get healthy(): boolean {
    return !this.failed && this.stalledFor() < this.config.unhealthyAfterMs;
  }

  /** Milliseconds of failures without a commit in between. */
  failingFor(now = Date.now()): number {
    return this.failingSince === undefined ? 0 : now - this.failingSince;
  }

  /** Milliseconds without progress: failing, or units in flight that neither commit nor fail. */
  private stalledFor(now = Date.now()): number {
    return Math.max(this.failingFor(now), this.stuck.stuckFor(now));
  }

  /**
   * Records waiting in the buffers at most: `unitsPerTurn` units for one busy partition, and with
   * more partitions assigned three units each (one being decided, one staged, one arriving), so
   * that every partition has its next unit there while the others take their turns.
   */
  private get bufferLimit(): number {
    return this.mode.unitRecords * Math.max(this.mode.unitsPerTurn, 3 * this.buffers.partitions);
  }

  start(): void {
    this.consumer.on('rebalance', this.onRebalance);
    // A poll takes what librdkafka has fetched and does not wait (kafka-clients.ts).
    this.consumer.setDefaultConsumeTimeout(0);
    (this.consumer as EventEmitter).on(QUEUE_NON_EMPTY, () => this.wakePoller());
    this.consumer.subscribe([TOPICS.requests]);
    this.polling = this.pollLoop().catch((err: unknown) => this.fail(new FatalProcessorError(`poll loop failed: ${(err as Error).message}`, { cause: err })));
    this.stuckCheck = setInterval(() => this.checkStuck(), STUCK_CHECK_MS).unref();
  }

  /** Units in flight past the stall bound with no outcome: a call that never returned; exit for a restart. */
  private checkStuck(): void {
    const stuckFor = this.stuck.stuckFor(Date.now());
    if (stuckFor <= this.config.stallTimeoutMs) return;
    this.fail(new FatalProcessorError(`no unit of partitions ${[...this.working.keys()].join(', ')} committed or failed for ${Math.round(stuckFor / 1000)} s: a call that never returned`));
  }

  /** Stops polling and lets the units in flight commit or abort; the consumer is closed after this. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.stuckCheck);
    this.wakePoller();
    await this.polling;
    await Promise.allSettled([...this.working.values(), this.revocation]);
  }

  /**
   * A rebalance (eager protocol): the partitions are the loop's to take and give up. A revocation
   * waits for the partitions' units in flight — their transactions commit the offsets under the
   * generation that still owns them — and only then gives the partitions up; librdkafka rejoins
   * the group after that.
   */
  private readonly onRebalance = (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void => {
    if (err?.code === ERR__ASSIGN_PARTITIONS) {
      const assign = (): void => {
        this.buffers.assign(assignment.filter((a) => a.topic === TOPICS.requests).map((a) => a.partition));
        try {
          this.consumer.assign(assignment);
        } catch (err) {
          // A consumer being closed refuses it (ERR__STATE), as it refuses unassign in revoke(); thrown
          // here, inside librdkafka's rebalance callback, it would end the process uncaught.
          if (this.stopping) this.log.debug({ err }, 'assign refused while stopping');
          else this.onFatal(err as Error);
          return;
        }
        this.log.info({ partitions: assignment.map((a) => a.partition) }, 'partitions assigned');
      };
      if (this.revocation) void this.revocation.then(assign);
      else assign();
    } else if (err?.code === ERR__REVOKE_PARTITIONS) {
      this.revocation ??= this.revoke().finally(() => (this.revocation = undefined));
    } else {
      this.log.error({ err }, 'rebalance failed');
    }
  };

  private async revoke(): Promise<void> {
    await Promise.allSettled(this.working.values());
    this.buffers.unassign();
    this.seeks.clear();
    try {
      this.consumer.unassign();
    } catch (err) {
      // A consumer being closed: librdkafka gives the partitions up itself.
      this.log.debug({ err }, 'unassign refused');
    }
    this.log.info('partitions revoked');
    this.wakePoller();
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping && !this.failed) {
      if (this.revocation) {
        await this.revocation;
        continue;
      }
      await this.seekBack();
      if (this.buffers.size >= this.bufferLimit) {
        await this.nextWake();
        continue;
      }
      const records = await this.poll();
      if (records.length > 0) {
        this.buffers.add(records, Date.now());
        this.schedule();
      } else await this.nextWake(IDLE_POLL_MS);
    }
  }

  private poll(): Promise<SourceRecord[]> {
    return new Promise((resolve) => {
      this.consumer.consume(this.mode.unitRecords, (err, messages) => {
        if (!err) return resolve(messages.map(toSource));
        // A fenced static member (FENCED_INSTANCE_ID) is a fatal consumer error: a zombie.
        if (err.code === ERR__FATAL || classify(err) === 'zombie') this.fail(new FencedInstanceError(`consumer fenced out of the group: ${err.message}`, { cause: err }));
        else this.log.warn({ err }, 'poll failed; polling again');
        resolve([]);
      });
    });
  }

  /**
   * Until the consumer has records or events, a unit made room, a partition needs a seek, the loop
   * stops — or `timeoutMs` passed. A wake while the loop was busy is kept for its next wait.
   */
  private async nextWake(timeoutMs?: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    // A plain timer, cleared on wake: an aborted timers/promises sleep builds an AbortError (a
    // DOMException with its stack) every time: a tenth of the JavaScript thread's busy time at 1,000 requests/s.
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.wake = undefined;
    this.woken = false;
  }

  private wakePoller(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }

  /** Starts partitions that have records waiting, up to `partitionsInFlight`, the longest-waiting first. */
  private schedule(): void {
    if (this.revocation || this.stopping || this.failed) return;
    for (const partition of this.buffers.ready()) {
      if (this.working.size >= this.mode.partitionsInFlight) return;
      if (this.working.has(partition)) continue;
      this.stuck.begin(Date.now());
      const work = this.process(partition).finally(() => {
        this.stuck.end();
        this.working.delete(partition);
        this.schedule();
        this.wakePoller();
      });
      this.working.set(partition, work);
    }
  }

  /**
   * A partition's units as they are taken from its queue, one at a time as the pipeline asks for
   * the next. Ends when the queue is empty, on revocation or stop, or — after `unitsPerTurn` units
   * — when another partition waits for a place.
   */
  private *unitsOf(partition: number): Generator<SourceRecord[]> {
    for (let taken = 0; !this.revocation && !this.stopping && !this.failed; taken++) {
      if (taken >= this.mode.unitsPerTurn && this.othersWait(partition)) return;
      const unit = this.buffers.take(partition, this.mode.unitRecords);
      if (unit.length === 0) return;
      this.wakePoller();
      yield unit;
    }
  }

  private othersWait(partition: number): boolean {
    return this.working.size >= this.mode.partitionsInFlight && this.buffers.ready().some((p) => p !== partition && !this.working.has(p));
  }

  /**
   * Unit n's Postgres decision runs while unit n-1 is collected and committed to Kafka and unit
   * n+1 is decoded (pipeline.ts); a decision committed in Postgres before a failed Kafka
   * transaction is harmless (idempotent).
   */
  private async process(partition: number): Promise<void> {
    try {
      await runPipelined(this.unitsOf(partition), {
        stage: (unit) => this.task.stage(unit),
        decide: (staged) => this.task.decide(staged),
        discard: (staged) => this.task.discard(staged),
        commit: async (decided) => {
          const prepared = this.task.collect(decided);
          await this.transactions.submit(prepared);
          this.buffers.committed(partition, prepared.records[prepared.records.length - 1]!.offset + 1);
          this.progressed();
        },
      });
    } catch (err) {
      const rewindTo = this.buffers.rewind(partition);
      this.flow('pause', partition);
      await this.onFailure(err, partition, rewindTo);
      if (rewindTo !== undefined) this.seeks.set(partition, rewindTo);
      this.wakePoller();
    }
  }

  /** Seeks failed partitions back to their first uncommitted record and resumes them. */
  private async seekBack(): Promise<void> {
    for (const [partition, offset] of this.seeks) {
      this.seeks.delete(partition);
      if (!this.buffers.assigned(partition)) continue;
      const toppar = { topic: TOPICS.requests, partition };
      try {
        await new Promise<void>((resolve, reject) => this.consumer.seek({ ...toppar, offset }, SEEK_TIMEOUT_MS, (err) => (err ? reject(err) : resolve())));
      } catch (err) {
        this.log.warn({ err, partition, offset }, 'seek back failed; retrying');
        this.seeks.set(partition, offset);
        await sleep(backoffMs(this.attempts));
        return;
      }
      this.buffers.sought(partition);
      this.flow('resume', partition);
    }
  }

  /** Pauses or resumes fetching a partition; refused only for a partition already given up. */
  private flow(action: 'pause' | 'resume', partition: number): void {
    try {
      this.consumer[action]([{ topic: TOPICS.requests, partition }]);
    } catch (err) {
      this.log.debug({ err, partition }, `${action} refused`);
    }
  }

  private progressed(): void {
    this.attempts = 0;
    this.failingSince = undefined;
    this.stuck.outcome(Date.now());
  }

  private fail(err: FatalProcessorError): void {
    if (this.failed) return;
    this.failed = true;
    this.wakePoller();
    this.onFatal(err);
  }

  private async onFailure(err: unknown, partition: number, offset: number | undefined): Promise<void> {
    const now = Date.now();
    this.stuck.outcome(now);
    this.failingSince ??= now;
    const failingFor = this.failingFor(now);
    if (classify(err) === 'zombie') {
      this.fail(err instanceof FatalProcessorError ? err : new FencedInstanceError((err as Error).message, { cause: err }));
      return;
    }
    if (failingFor > this.config.stallTimeoutMs) {
      const reason = `no progress for ${Math.round(failingFor / 1000)} s at partition ${partition} offset ${offset}; last error: ${(err as Error).message}`;
      this.fail(new FatalProcessorError(reason, { cause: err }));
      return;
    }
    const wait = backoffMs(this.attempts++);
    this.metrics.retries.inc();
    this.log.warn({ err, attempt: this.attempts, retryInMs: wait, failingForMs: failingFor, partition, offset }, 'unit failed; rewinding to the last committed offset and retrying');
    // Backing off is waiting on purpose, not a call that never returns.
    this.stuck.outcome(now + wait);
    await sleep(wait);
  }
}

function toSource(m: Kafka.Message): SourceRecord {
  const headers = (m.headers ?? []).flatMap((h) =>
    Object.entries(h).map(([key, value]) => ({ key, value: Buffer.isBuffer(value) ? value : Buffer.from(String(value)) })),
  );
  const key = m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key));
  return { topic: m.topic, partition: m.partition, offset: m.offset, key, value: m.value, headers, timestamp: m.timestamp ?? -1 };
}
