/**
 * The Redis side of the gateway: the gate scripts (lua/*.lua, loaded once and run by sha through
 * ioredis' defineCommand) and the reads of a coupon's keys. Every script touches only keys of one
 * coupon (hash tag `{c:<id>}`), so it runs unchanged on Redis Cluster. Redis errors propagate as
 * they are; the routes decide what they mean for the client.
 */
import fs from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from '../platform/redis-connection.ts';
import { redisKeys, STATUS_TTL_SECONDS } from '../schemas/redis-keys.ts';
import { parseStoredInteger } from './position.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    couponGateReserve(gate: string, reserved: string, users: string, status: string, holds: string, seq: string, userId: number, nowMs: number, eventId: string, ttlSeconds: number): Result<number, Context>;
    couponGateRelease(reserved: string, users: string, status: string, holds: string, seq: string, userId: number, eventId: string): Result<number, Context>;
    couponGateConfirm(holds: string, status: string, userId: number, eventId: string, partition: number, offset: number): Result<number, Context>;
    couponGateReserveMany(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<number[], Context>;
    couponGateConfirmMany(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<number, Context>;
    couponGatePrime(gate: string, reserved: string, users: string, holds: string, seq: string, total: number, startsAt: number, endsAt: number): Result<number, Context>;
  }
}


export type ReserveOutcome = 'RESERVED' | 'COUPON_NOT_FOUND' | 'COUPON_NOT_ACTIVE' | 'ALREADY_REQUESTED' | 'SOLD_OUT';

const RESERVE_OUTCOMES: Record<number, ReserveOutcome> = {
  1: 'RESERVED',
  [-1]: 'COUPON_NOT_FOUND',
  [-2]: 'COUPON_NOT_ACTIVE',
  [-3]: 'ALREADY_REQUESTED',
  [-4]: 'SOLD_OUT',
};

/** What reserve.lua's return code means. */
export function reserveOutcome(code: number): ReserveOutcome {
  const outcome = RESERVE_OUTCOMES[code];
  if (!outcome) throw new Error(`the gate script returned ${code}, which it never should`);
  return outcome;
}

/** A bulk grant's user at the gate: reserve.lua's outcomes, plus HELD (this same request already holds the user's unit). */
export type BatchReserveOutcome = ReserveOutcome | 'HELD';

/** What one of reserve-many.lua's codes means. */
export function batchReserveOutcome(code: number): BatchReserveOutcome {
  return code === 2 ? 'HELD' : reserveOutcome(code);
}

/** One user's request of a bulk grant. */
export interface GrantedRequest {
  userId: number;
  eventId: string;
}

export interface GateWindow {
  totalQuantity: number;
  startsAt: number;
  /** null: open-ended. */
  endsAt: number | null;
}

/** A coupon as the gate sees it: whether its gate is open (primed) and how many units it reserved. */
export interface GateFigures {
  primed: boolean;
  reserved: number;
}

/** The keys reserve.lua (after the gate hash) and release.lua change for one user's request, in their KEYS order. */
const requestKeys = (couponId: number, userId: number): [string, string, string, string, string] => [
  redisKeys.reserved(couponId),
  redisKeys.requesters(couponId),
  redisKeys.status(couponId, userId),
  redisKeys.holds(couponId),
  redisKeys.seq(couponId),
];

const script = (name: string): string => fs.readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

export class Gate {
  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('couponGateReserve', { numberOfKeys: 6, lua: script('reserve') });
    redis.defineCommand('couponGateRelease', { numberOfKeys: 5, lua: script('release') });
    redis.defineCommand('couponGateConfirm', { numberOfKeys: 2, lua: script('confirm') });
    redis.defineCommand('couponGatePrime', { numberOfKeys: 5, lua: script('prime') });
    redis.defineCommand('couponGateReserveMany', { lua: script('reserve-many') });
    redis.defineCommand('couponGateConfirmMany', { lua: script('confirm-many') });
  }

  /** One round trip: window, duplicate check, quantity, PENDING status, hold (see lua/reserve.lua). */
  async reserve(couponId: number, userId: number, eventId: string, nowMs: number): Promise<ReserveOutcome> {
    const code = await this.redis.couponGateReserve(redisKeys.gate(couponId), ...requestKeys(couponId, userId), userId, nowMs, eventId, STATUS_TTL_SECONDS);
    return reserveOutcome(code);
  }

  /**
   * reserve() for many users of one coupon in one round trip (lua/reserve-many.lua): one outcome
   * per request, in order. Requests must name distinct users.
   */
  async reserveMany(couponId: number, requests: readonly GrantedRequest[], nowMs: number): Promise<BatchReserveOutcome[]> {
    if (requests.length === 0) return [];
    const keys = [redisKeys.gate(couponId), redisKeys.reserved(couponId), redisKeys.requesters(couponId), redisKeys.holds(couponId), redisKeys.seq(couponId)];
    for (const r of requests) keys.push(redisKeys.status(couponId, r.userId));
    const args: Array<string | number> = [nowMs, STATUS_TTL_SECONDS];
    for (const r of requests) args.push(r.userId, r.eventId);
    const codes = await this.redis.couponGateReserveMany(keys.length, ...keys, ...args);
    return codes.map(batchReserveOutcome);
  }

  /** confirm() for many requests of one coupon in one round trip (lua/confirm-many.lua). */
  async confirmMany(couponId: number, produced: ReadonlyArray<GrantedRequest & { partition: number; offset: number }>): Promise<void> {
    if (produced.length === 0) return;
    const keys = [redisKeys.holds(couponId)];
    const args: Array<string | number> = [];
    for (const p of produced) {
      keys.push(redisKeys.status(couponId, p.userId));
      args.push(p.userId, p.eventId, p.partition, p.offset);
    }
    await this.redis.couponGateConfirmMany(keys.length, ...keys, ...args);
  }

  /** Undoes reserve() of the request `eventId` if it still holds its unit; false if there was nothing (left) to undo. */
  async release(couponId: number, userId: number, eventId: string): Promise<boolean> {
    const released = await this.redis.couponGateRelease(...requestKeys(couponId, userId), userId, eventId);
    return released === 1;
  }

  /** The request's record reached Kafka at `at`: settles its hold and records its position. */
  async confirm(couponId: number, userId: number, eventId: string, at: { partition: number; offset: number }): Promise<void> {
    await this.redis.couponGateConfirm(redisKeys.holds(couponId), redisKeys.status(couponId, userId), userId, eventId, at.partition, at.offset);
  }

  /** The processor's committed watermark of a partition; undefined before its first commit. */
  async watermark(partition: number): Promise<number | undefined> {
    return parseStoredInteger(await this.redis.get(redisKeys.watermark(partition)));
  }

  /** The user's status hash (see RequestStatusFields); empty when Redis has none. */
  status(couponId: number, userId: number): Promise<Record<string, string>> {
    return this.redis.hgetall(redisKeys.status(couponId, userId));
  }

  async prime(couponId: number, window: GateWindow): Promise<void> {
    await this.redis.couponGatePrime(
      redisKeys.gate(couponId),
      redisKeys.reserved(couponId),
      redisKeys.requesters(couponId),
      redisKeys.holds(couponId),
      redisKeys.seq(couponId),
      window.totalQuantity,
      window.startsAt,
      window.endsAt ?? 0,
    );
  }

  async figures(couponId: number): Promise<GateFigures> {
    const [primed, reserved] = await Promise.all([this.redis.exists(redisKeys.gate(couponId)), this.redis.get(redisKeys.reserved(couponId))]);
    return { primed: primed === 1, reserved: parseStoredInteger(reserved) ?? 0 };
  }

  async ping(): Promise<void> {
    const answer = await this.redis.ping();
    if (answer !== 'PONG') throw new Error(`Redis answered PING with ${answer}`);
  }
}
