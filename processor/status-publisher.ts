/**
 * Publishes decided requests' statuses and each partition's processed watermark to Redis, the
 * gateway's cache of the ledger. It never holds up a transaction: writes are queued in decision
 * order as script calls of one coupon each (its keys share a Redis Cluster slot), sent in that
 * order on one connection (so a later status of a key overwrites an earlier one), and retried with
 * backoff until Redis takes them — also when Redis was down when the processor started. The ledger
 * stays the truth: the gateway answers from it when a status lags.
 * Queued as ready-made script arguments: a map of pending statuses per key and the regrouping at
 * each flush made a third of the processor's allocations.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../platform/redis-connection.ts';
import { TERMINAL_OUTCOMES } from '../schemas/outcomes.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import { backoffMs } from './errors.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { ProcessorMetrics } from './metrics.ts';

/** Moves a watermark forward only: batches of a partition may be published out of order. */
const RAISE_WATERMARK = `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Sets many users' statuses of one coupon in one call, one HSET per status (an ISSUED one skips the
 * read). ISSUED is final: a later request of the same user (rejected ALREADY_ISSUED) must not hide
 * the coupon the user holds. A status hash keeps the TTL it was created with (by the gate's PENDING,
 * normally): only a hash the processor creates gets one — an ISSUED HSET that added all 3 fields, a
 * rejection whose read found nothing. No table is built per key: that was half of the script's time.
 * KEYS: status hashes; ARGV: ttl, then per key one packed status (packStatus).
 */
const SET_STATUSES = `local ttl = ARGV[1]
local names = { ${TERMINAL_OUTCOMES.map((o) => `${o[0]} = '${o}'`).join(', ')} }
for i, key in ipairs(KEYS) do
  local packed = ARGV[i + 1]
  local tab = string.find(packed, '\t', 2, true)
  local event, rest = string.sub(packed, 2, tab - 1), string.sub(packed, tab + 1)
  local status = names[string.sub(packed, 1, 1)]
  if status == 'ISSUED' then
    if redis.call('HSET', key, 'status', status, 'eventId', event, 'userCouponId', rest) == 3 then
      redis.call('EXPIRE', key, ttl)
    end
  else
    local was = redis.call('HGET', key, 'status')
    if was ~= 'ISSUED' then
      redis.call('HSET', key, 'status', status, 'eventId', event, 'reason', rest)
      if not was then redis.call('EXPIRE', key, ttl) end
    end
  end
end
return 0`;

/**
 * One status as one script argument: the outcome's initial, the event id (a UUID: no tab), a tab,
 * then the user coupon id (ISSUED) or the reason. One argument a status instead of four: ioredis
 * builds a command's text by appending every argument, which took 1.2 µs a status with four.
 */
export const packStatus = (o: LedgerOutcome): string =>
  `${o.outcome[0]}${o.eventId}\t${o.outcome === 'ISSUED' ? String(o.userCouponId ?? '') : (o.reason ?? '')}`;

type ScriptClient = RedisClient & {
  setStatuses(numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  raiseWatermark(key: string, offset: number): Promise<unknown>;
};

/**
 * Statuses per SET_STATUSES call: a big batch of one coupon (a bulk grant's 5,000 users) is split
 * so that Redis serves other clients (the sale's gate) between calls.
 */
export const STATUSES_PER_CALL = 500;

/** One SET_STATUSES call: status keys of one coupon, and per key its packed status. */
export interface StatusCall {
  keys: string[];
  args: string[];
}

/** The script calls for `outcomes`, in their order: one per coupon, at most `perCall` keys each. */
export function statusCalls(outcomes: readonly LedgerOutcome[], perCall = STATUSES_PER_CALL): StatusCall[] {
  const calls: StatusCall[] = [];
  const open = new Map<number, StatusCall>();
  for (const o of outcomes) {
    let call = open.get(o.couponId);
    if (!call || call.keys.length === perCall) {
      open.set(o.couponId, (call = { keys: [], args: [] }));
      calls.push(call);
    }
    call.keys.push(redisKeys.status(o.couponId, o.userId));
    call.args.push(packStatus(o));
  }
  return calls;
}

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
      this.queued -= dropped.keys.length;
      this.metrics.statusWriteErrors.inc({ kind: 'dropped' }, dropped.keys.length);
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
        ...calls.map(({ keys, args }) => redis.setStatuses(keys.length, ...keys, STATUS_TTL_SECONDS, ...args)),
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
    redis.defineCommand('setStatuses', { lua: SET_STATUSES });
    redis.defineCommand('raiseWatermark', { lua: RAISE_WATERMARK, numberOfKeys: 1 });
    this.log.info('Redis connected; publishing statuses');
    return redis;
  }
}
