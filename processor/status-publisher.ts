/**
 * Publishes decided requests' statuses and each partition's processed watermark to Redis, the
 * gateway's cache of the ledger. It never holds up a transaction: writes are queued in decision
 * order as calls of one coupon each (a coupon's statuses are one hash: schemas/status-value.ts),
 * sent in that order on one connection (so a later status of a user overwrites an earlier one), and
 * retried with backoff until Redis takes them — also when Redis was down when the processor
 * started. The ledger stays the truth: the gateway answers from it when a status lags.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../platform/redis-connection.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import { packTerminalStatus } from '../schemas/status-value.ts';
import { backoffMs } from './errors.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { ProcessorMetrics } from './metrics.ts';

/** Moves a watermark forward only: batches of a partition may be published out of order. */
const RAISE_WATERMARK = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Sets users' statuses of one coupon unless a user's is ISSUED, which is final: a later request of
 * a user who holds the coupon must not hide it. Only for the outcomes that can follow an ISSUED
 * (replacesAnyStatus); the others go out as one plain HSET, without a read a user.
 * KEYS: the coupon's statuses hash; ARGV: ttl, then per user: user id, status value.
 */
const SET_GUARDED_STATUSES = `for i = 2, #ARGV, 2 do
  local was = redis.call('HGET', KEYS[1], ARGV[i])
  if not was or string.sub(was, 1, 1) ~= 'I' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 0`;

/**
 * Whether a decided request's status may replace the user's without reading it: an ISSUED, or a
 * rejection that never follows the user's ISSUED — the rules check a held coupon before SOLD_OUT,
 * and COUPON_NOT_FOUND has no coupon to hold (outcome-rules.ts, sql/merge.sql). COUPON_NOT_ACTIVE,
 * ALREADY_ISSUED and FAILED may concern a user who holds the coupon: they are guarded.
 */
export function replacesAnyStatus(o: Pick<LedgerOutcome, 'outcome' | 'reason'>): boolean {
  return o.outcome === 'ISSUED' || (o.outcome === 'REJECTED' && (o.reason === 'SOLD_OUT' || o.reason === 'COUPON_NOT_FOUND'));
}

type ScriptClient = RedisClient & {
  setGuardedStatuses(key: string, ttl: number, ...fields: string[]): Promise<unknown>;
  raiseWatermark(key: string, offset: number): Promise<unknown>;
};

/**
 * Statuses per call: a big batch of one coupon (a bulk grant's 5,000 users) is split so that
 * Redis serves other clients (the sale's gate) between calls.
 */
export const STATUSES_PER_CALL = 500;

/** One write of statuses of one coupon: its statuses hash and per user its id and status value. */
export interface StatusCall {
  key: string;
  /** Through SET_GUARDED_STATUSES rather than one HSET. */
  guarded: boolean;
  /** User id, status value, user id, ... */
  fields: string[];
}

/**
 * The calls for `outcomes`, in their order: per coupon, a run of outcomes of one kind (guarded or
 * not) is one call of at most `perCall` statuses, so every user's statuses are written in order.
 */
export function statusCalls(outcomes: readonly LedgerOutcome[], perCall = STATUSES_PER_CALL): StatusCall[] {
  const calls: StatusCall[] = [];
  const open = new Map<number, StatusCall>();
  for (const o of outcomes) {
    const guarded = !replacesAnyStatus(o);
    let call = open.get(o.couponId);
    if (!call || call.guarded !== guarded || call.fields.length === 2 * perCall) {
      open.set(o.couponId, (call = { key: redisKeys.statuses(o.couponId), guarded, fields: [] }));
      calls.push(call);
    }
    call.fields.push(String(o.userId), packTerminalStatus(o));
  }
  return calls;
}

const statusCount = (call: StatusCall): number => call.fields.length / 2;

export class StatusPublisher {
  private redis: ScriptClient | undefined;
  private calls: StatusCall[] = [];
  /** Statuses in `calls`. */
  private queued = 0;
  private watermarks = new Map<number, number>();
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<RedisClient>,
    private readonly log: Logger,
    private readonly metrics: ProcessorMetrics,
    /** Beyond this many queued statuses the oldest are dropped (the gateway still answers from the ledger). */
    private readonly maxBacklog = 200_000,
  ) {}

  /** Queues the statuses of decided requests (called once their Postgres transaction committed). */
  publish(outcomes: readonly LedgerOutcome[]): void {
    for (const call of statusCalls(outcomes)) this.calls.push(call);
    this.queued += outcomes.length;
    this.dropBeyondBacklog();
    this.kick();
  }

  /** Queues a partition's processed watermark (called once its Kafka transaction committed). */
  raiseWatermark(partition: number, offset: number): void {
    this.watermarks.set(partition, Math.max(offset, this.watermarks.get(partition) ?? -1));
    this.kick();
  }

  /** Stops retrying; waits for a write in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.running;
    this.redis?.disconnect();
  }

  private dropBeyondBacklog(): void {
    while (this.queued > this.maxBacklog && this.calls.length > 0) {
      const dropped = this.calls.shift()!;
      this.queued -= statusCount(dropped);
      this.metrics.statusWriteErrors.inc({ kind: 'dropped' }, statusCount(dropped));
    }
  }

  private kick(): void {
    if (this.running || this.retryTimer || this.closed) return;
    this.running = this.flush().finally(() => {
      this.running = undefined;
      if (this.calls.length + this.watermarks.size > 0 && !this.retryTimer) this.kick();
    });
  }

  private async flush(): Promise<void> {
    const { calls, queued, watermarks } = this;
    this.calls = [];
    this.queued = 0;
    this.watermarks = new Map();
    this.metrics.statusBacklog.set(queued);
    try {
      const redis = (this.redis ??= await this.open());
      // Statuses first: a watermark covers requests whose statuses were written before it.
      await Promise.all([
        ...calls.flatMap((c) => (c.guarded ? [redis.setGuardedStatuses(c.key, STATUS_TTL_SECONDS, ...c.fields)] : [redis.hset(c.key, ...c.fields), redis.expire(c.key, STATUS_TTL_SECONDS)])),
        ...[...watermarks].map(([partition, offset]) => redis.raiseWatermark(redisKeys.watermark(partition), offset)),
      ]);
      this.attempt = 0;
      this.metrics.statusBacklog.set(this.queued);
    } catch (err) {
      // Put everything back in front of what came meanwhile (rewriting a status is harmless), and try again later.
      this.calls = [...calls, ...this.calls];
      this.queued += queued;
      this.dropBeyondBacklog();
      for (const [p, o] of watermarks) this.watermarks.set(p, Math.max(o, this.watermarks.get(p) ?? -1));
      this.metrics.statusWriteErrors.inc({ kind: 'failed' });
      this.metrics.statusBacklog.set(this.queued);
      const wait = backoffMs(this.attempt++, 200, 5000);
      if (this.attempt === 1 || this.attempt % 20 === 0) this.log.warn({ err, attempt: this.attempt, backlog: this.queued }, 'Redis status update failed; retrying (the gateway answers from the ledger meanwhile)');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, wait);
      this.retryTimer.unref();
    }
  }

  private async open(): Promise<ScriptClient> {
    const redis = (await this.connect()) as ScriptClient;
    // Loaded once, then run by sha.
    redis.defineCommand('setGuardedStatuses', { lua: SET_GUARDED_STATUSES, numberOfKeys: 1 });
    redis.defineCommand('raiseWatermark', { lua: RAISE_WATERMARK, numberOfKeys: 1 });
    this.log.info('Redis connected; publishing statuses');
    return redis;
  }
}
