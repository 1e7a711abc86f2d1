/**
 * A read_committed consumer following the output topics while a scenario runs, noting when each
 * request's outcome record became visible: the moment the processor's transaction was committed,
 * as any downstream consumer would see it. Visibility times are taken when librdkafka hands the
 * records over (consume returns as soon as the first record is there), in a child process of its
 * own (committed-tail-reader.ts): read in the bench's thread, a sighting waited for the load
 * generator's turn, which added its event-loop delay (p99 over 100 ms on a busy box) to every figure.
 * It fetches as a downstream consumer would, with librdkafka's default wait (500 ms): the broker
 * answers a waiting read_committed fetch as soon as a commit's markers move the stable offset, so
 * a shorter wait only added empty fetches (100 a second at 10 ms) to the broker being measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../run/wait-for.ts';
import type { OutputOffsets } from '../verify/outputs.ts';
import { rdkafkaConfig } from '../../platform/kafka-config.ts';
import { TOPICS, type OutputTopic } from '../../schemas/topics.ts';
import { BenchError, type BenchContext } from './context.ts';
import type { ReaderInput, ReaderMessage } from './committed-tail-reader.ts';

export interface Sighting {
  /** Epoch ms when the record was handed to the reader. */
  at: number;
  /** The contract topic name (TOPICS.issued...), whatever prefix the bench's topics carry. */
  topic: string;
  /** The request's requestedAt (the gateway's accept time), when the record carries it. */
  requestedAt: number | null;
  /** When the processor decided it (issuedAt/rejectedAt: its Postgres transaction's start), when the record carries it. */
  decidedAt: number | null;
}

const decidedAtOf = (record: object): number | null =>
  'issuedAt' in record && typeof record.issuedAt === 'number' ? record.issuedAt : 'rejectedAt' in record && typeof record.rejectedAt === 'number' ? record.rejectedAt : null;

/** Run with the bench's own node options (the TypeScript loader), over an IPC channel that carries Buffers. */
const READER = fileURLToPath(new URL('./committed-tail-reader.ts', import.meta.url));

export class CommittedTail {
  readonly seen = new Map<string, Sighting>();
  private failure: Error | undefined;
  /** Decoding of the batches received so far, in order. */
  private decoding: Promise<void> = Promise.resolve();
  private readonly closed: Promise<void>;
  private readonly ready: Promise<void>;

  private constructor(
    private readonly ctx: BenchContext,
    private readonly reader: ChildProcess,
    /** The bench's output topic → the contract it carries (the name this process decodes with). */
    private readonly contracts: ReadonlyMap<string, OutputTopic>,
  ) {
    let started = (): void => undefined;
    this.ready = new Promise((resolve) => (started = resolve));
    this.closed = new Promise((resolve) => {
      const ended = (): void => {
        started();
        resolve();
      };
      reader.on('message', (m: ReaderMessage) => {
        if (m.kind === 'ready') started();
        else if (m.kind === 'records') this.decoding = this.decoding.then(() => this.note(m.at, m.records)).catch((err: unknown) => this.fail(err));
        else {
          if (m.kind === 'failed') this.fail(new Error(m.message));
          ended();
        }
      });
      reader.on('error', (err) => {
        this.fail(err);
        ended();
      });
      reader.on('exit', (code) => {
        if (code !== 0 && code !== null) this.fail(new Error(`the output reader exited with ${code}`));
        ended();
      });
    });
  }

  /** Starts following the bench's output topics from `from` (usually outputEnds(ctx.outputs) just before the load). */
  static async open(ctx: BenchContext, from: OutputOffsets): Promise<CommittedTail> {
    const contracts = new Map<string, OutputTopic>([
      [ctx.topics.issued, TOPICS.issued],
      [ctx.topics.rejected, TOPICS.rejected],
      [ctx.topics.dlq, TOPICS.dlq],
    ]);
    const input: ReaderInput = {
      config: rdkafkaConfig(ctx.kafka, { 'group.id': `bench-tail-${ctx.runId}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed' }),
      assignments: [...contracts].flatMap(([topic, contract]) => [...from[contract]].map(([partition, offset]) => ({ topic, partition, offset }))),
    };
    const reader = fork(READER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    ctx.cpu.track(reader.pid, 'bench');
    const tail = new CommittedTail(ctx, reader, contracts);
    reader.send(input);
    // Following before the load starts: a reader still connecting would see the first records late.
    await tail.ready;
    if (tail.failure) throw new BenchError(`the output reader failed: ${tail.failure.message}`, { cause: tail.failure });
    return tail;
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
  }

  private async note(at: number, records: Array<{ topic: string; value: Buffer | null }>): Promise<void> {
    for (const m of records) {
      const topic = this.contracts.get(m.topic)!;
      const record = await this.ctx.serde.decode(topic, m.value === null ? null : Buffer.from(m.value));
      if (!record.eventId) continue;
      this.seen.set(record.eventId, { at, topic, requestedAt: 'requestedAt' in record ? record.requestedAt : null, decidedAt: decidedAtOf(record) });
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
    if (this.reader.connected) this.reader.send('close');
    await this.closed;
    await this.decoding;
    if (this.failure) throw this.failure;
  }
}
