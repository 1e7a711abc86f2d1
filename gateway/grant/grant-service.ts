/**
 * Bulk grants as the gateway runs them (POST /api/admin/coupons/:id/grants): an upload streamed
 * from the request body into the grant runner, through the gateway's own gate and database pool,
 * with a grant producer started on the first upload. An upload without a grant id is spooled to a
 * temporary file first: its id is the content hash, needed before the first request is produced.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { KafkaConnection } from '../../platform/kafka-config.ts';
import type { RegistryConnection } from '../../platform/registry-config.ts';
import type { Gate } from '../gate.ts';
import { contentGrantId } from './grant-id.ts';
import { fileLines, limitBytes, plainBytes, splitLines, spool } from './grant-input.ts';
import type { GrantMetrics } from './grant-metrics.ts';
import { GrantProducer } from './grant-producer.ts';
import type { GrantProgress } from './grant-progress.ts';
import { awaitDecisions, startUpload, uploadGrant, type InvalidLine } from './grant-runner.ts';
import { GrantStore, type Grant } from './grant-store.ts';

export interface GrantServiceOptions {
  gate: Gate;
  /** A pool of its own: a grant's queries (a million-user result) outlast the API's query timeout. */
  db: pg.Pool;
  metrics: GrantMetrics;
  log: Logger;
  kafka: KafkaConnection;
  registry: RegistryConnection;
  /** The largest upload, in bytes, before and after inflation. */
  maxBytes: number;
}

export interface GrantReport {
  grant: Grant;
  /** The first invalid lines (all are counted in grant.invalidLines). */
  invalidLines: InvalidLine[];
  progress: GrantProgress;
}

export class GrantService {
  readonly store: GrantStore;
  private producer?: Promise<GrantProducer>;

  constructor(private readonly options: GrantServiceOptions) {
    this.store = new GrantStore(options.db);
  }

  /**
   * Reads the users from `body`, produces their requests (at most `maxUsersPerSecond`, if given),
   * and (if `waitMs` > 0) waits up to that long for the processor's decisions; answers with the
   * grant as it then stands.
   */
  async upload(couponId: number, grantId: string | undefined, body: AsyncIterable<Buffer>, waitMs = 0, maxUsersPerSecond?: number): Promise<GrantReport> {
    const { maxBytes, log } = this.options;
    const store = this.store;
    const raw = limitBytes(body, maxBytes);
    const spooled = grantId === undefined ? await spool(raw, maxBytes) : undefined;
    try {
      const id = grantId ?? contentGrantId(couponId, spooled!.sha256);
      const lines = spooled ? fileLines(spooled.file) : splitLines(limitBytes(plainBytes(raw), maxBytes, 'the inflated upload'));
      const deps = { gate: this.options.gate, producer: await this.startProducer(), store, metrics: this.options.metrics, log };
      const upload = startUpload({ couponId, grantId: id, totalLines: spooled?.lines });
      await uploadGrant(lines, deps, { couponId, grantId: id, totalLines: spooled?.lines, maxUsersPerSecond }, upload);
      const grant = waitMs > 0 ? await awaitDecisions(upload, deps, { timeoutMs: waitMs }) : await store.settle(id);
      return { grant, invalidLines: upload.invalidLines, progress: upload.progress };
    } finally {
      await spooled?.remove();
    }
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    try {
      await producer?.close();
    } finally {
      await this.options.db.end();
    }
  }

  private startProducer(): Promise<GrantProducer> {
    this.producer ??= GrantProducer.start(this.options.kafka, this.options.registry);
    // A failed start is tried again by the next upload.
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }
}
