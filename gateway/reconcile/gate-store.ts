/**
 * The reconciler's Redis side: a consistent snapshot of a coupon's gate, writing a fix guarded by
 * the gate's seq, confirming a hold, and finding the coupons that have holds. Releases go through
 * the gateway's own guarded release (gateway/gate.ts).
 */
import fs from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from '../../platform/redis-connection.ts';
import { isGrantCode, parseHoldMember, redisKeys } from '../../schemas/redis-keys.ts';
import { unpackStatus } from '../../schemas/status-value.ts';
import { chunksOf } from '../chunks.ts';
import type { GateWindow } from '../gate.ts';
import { CODE_HOLDS_SCHEME, grantEventIds } from '../grant/grant-id.ts';
import type { Accounting, GateRequest } from './accounting.ts';
import type { Hold } from './holds.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    couponGateSnapshot(gate: string, reserved: string, users: string, holds: string, seq: string, grantCodes: string, members: string): Result<Array<string | number>, Context>;
    couponGateApply(gate: string, reserved: string, users: string, seq: string, args: Array<string | number>): Result<number, Context>;
    couponGateClearStale(statuses: string, userId: number, eventId: string): Result<number, Context>;
  }
}

/** A coupon's gate without its requesters: what the drift gauge and hold settling need. */
export interface GateCounts {
  couponId: number;
  seq: number;
  reserved: number;
  gateExists: boolean;
  holds: Hold[];
}

export interface GateSnapshot extends GateCounts, Accounting {}

/**
 * Deletes a user's status that still says PENDING for a request the ledger has decided (the status
 * endpoint then answers from the ledger). KEYS: statuses hash; ARGV: user id, event id.
 */
const CLEAR_STALE_PENDING = `local status = redis.call('HGET', KEYS[1], ARGV[1])
if status and string.match(status, '^P([^\\t]+)\\t') == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

const script = (name: string): string => fs.readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/**
 * A grant's hold names a code the coupon's grant-codes hash does not know. Reserving writes the
 * code before the hold and nothing removes it without the holds, so this is damage (a key deleted
 * or rewritten by hand): the hold's request cannot be named, and guessing could release a unit
 * whose request is in Kafka. The reconciler's pass stops on it, loudly, and settles nothing.
 */
export class UnknownGrantCodeError extends Error {
  override name = 'UnknownGrantCodeError';
}

/** Parses snapshot.lua's flat reply, leaving out any requesters. */
export function parseCounts(couponId: number, reply: ReadonlyArray<string | number>): GateCounts {
  const holdsAt = reply.indexOf('|') + 1;
  const codesMark = reply.indexOf('|', holdsAt);
  const holdsEnd = codesMark === -1 ? reply.length : codesMark;
  const codesAt = holdsEnd + 1;
  // A grant's code (`#<n>`) → its users' event ids; grant-codes' other fields are grant id → code, and the counter '#'.
  const grants = new Map<string, (userId: number) => string>();
  for (let i = codesAt; i + 1 < reply.length; i += 2) {
    const field = String(reply[i]);
    if (isGrantCode(field)) grants.set(field, grantEventIds(couponId, String(reply[i + 1]), CODE_HOLDS_SCHEME));
  }
  const holds: Hold[] = [];
  for (let i = holdsAt; i + 1 < holdsEnd; i += 2) {
    const member = String(reply[i]);
    const ref = parseHoldMember(member);
    if (!ref) continue;
    let eventId: string;
    if ('eventId' in ref) eventId = ref.eventId;
    else {
      const eventIdOf = grants.get(ref.grantCode);
      if (!eventIdOf) throw new UnknownGrantCodeError(`coupon ${couponId}: the hold ${member} names grant ${ref.grantCode}, which ${redisKeys.grantCodes(couponId)} does not know`);
      eventId = eventIdOf(ref.userId);
    }
    holds.push({ userId: ref.userId, eventId, heldAt: Number(reply[i + 1]), member });
  }
  return { couponId, seq: Number(reply[0]), reserved: Number(reply[1]), gateExists: Number(reply[2]) === 1, holds };
}

/** Parses snapshot.lua's flat reply with its requesters. */
export function parseSnapshot(couponId: number, reply: ReadonlyArray<string | number>): GateSnapshot {
  const requesters = reply.slice(3, reply.indexOf('|')).map(Number).sort((a, b) => a - b);
  return { ...parseCounts(couponId, reply), requesters };
}

/**
 * Commands per coupon are sent this many at a time. The gateway runs them every reconciler pass
 * for every live coupon: thousands issued in one event-loop turn (and their replies parsed in
 * one) stalled the requests it serves for 150-300 ms every 10 s.
 */
export const COUPONS_PER_CHUNK = 250;

/** `command` for every id, `size` at a time (each chunk one pipelined round trip), results in order. */
export async function inChunks<T>(ids: readonly number[], command: (id: number) => Promise<T>, size = COUPONS_PER_CHUNK): Promise<T[]> {
  const out: T[] = [];
  for (const chunk of chunksOf(ids, size)) out.push(...(await Promise.all(chunk.map(command))));
  return out;
}

export class GateStore {
  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('couponGateSnapshot', { numberOfKeys: 6, lua: script('snapshot') });
    redis.defineCommand('couponGateApply', { numberOfKeys: 4, lua: script('apply') });
    redis.defineCommand('couponGateClearStale', { numberOfKeys: 1, lua: CLEAR_STALE_PENDING });
  }

  /** The gate with its requesters (a full reconcile: one SMEMBERS of the whole crowd). */
  async snapshot(couponId: number): Promise<GateSnapshot> {
    return parseSnapshot(couponId, await this.snapshotReply(couponId, 'members'));
  }

  /** The gate's seq, counter, existence and holds, without the requesters. */
  async counts(couponId: number): Promise<GateCounts> {
    return parseCounts(couponId, await this.snapshotReply(couponId, 'counts'));
  }

  private snapshotReply(couponId: number, what: 'members' | 'counts'): Promise<Array<string | number>> {
    return this.redis.couponGateSnapshot(
      redisKeys.gate(couponId),
      redisKeys.reserved(couponId),
      redisKeys.requesters(couponId),
      redisKeys.holds(couponId),
      redisKeys.seq(couponId),
      redisKeys.grantCodes(couponId),
      what,
    );
  }

  /**
   * Writes `accounting` if the gate's seq is still the snapshot's (and, with `window`, re-creates a
   * missing gate hash); false if the gate moved meanwhile and nothing was written.
   */
  async apply(snapshot: GateSnapshot, accounting: Accounting, window?: GateWindow): Promise<boolean> {
    const { couponId } = snapshot;
    const applied = await this.redis.couponGateApply(
      redisKeys.gate(couponId),
      redisKeys.reserved(couponId),
      redisKeys.requesters(couponId),
      redisKeys.seq(couponId),
      // One array (ioredis flattens it), not a spread: a coupon's requesters can be far more than
      // a function call takes as arguments.
      ([snapshot.seq, accounting.reserved, window ? window.totalQuantity : '', window ? window.startsAt : 0, window ? (window.endsAt ?? 0) : 0] as Array<string | number>).concat(
        accounting.requesters,
      ),
    );
    return applied === 1;
  }

  /** Settles a hold whose record is known to be in Kafka: the unit stays reserved. */
  async confirmHold(couponId: number, hold: Pick<Hold, 'member'>): Promise<void> {
    await this.redis.zrem(redisKeys.holds(couponId), hold.member);
  }

  /** The decided requests whose user's status still says PENDING for them (the processor's status write was lost). */
  async stalePending(couponId: number, decided: readonly GateRequest[]): Promise<GateRequest[]> {
    // An HMGET a thousand users: a sale's million decided requests in one command would hold Redis up.
    const chunks = await Promise.all(chunksOf(decided, 1000).map((chunk) => this.redis.hmget(redisKeys.statuses(couponId), ...chunk.map((r) => String(r.userId)))));
    const statuses = chunks.flat().map(unpackStatus);
    return decided.filter((r, i) => statuses[i]!.status === 'PENDING' && statuses[i]!.eventId === r.eventId);
  }

  /** Clears those stale statuses (each only if it is still that PENDING); how many were cleared. */
  async clearStalePending(couponId: number, stale: readonly GateRequest[]): Promise<number> {
    const cleared = await Promise.all(stale.map((r) => this.redis.couponGateClearStale(redisKeys.statuses(couponId), r.userId, r.eventId)));
    return cleared.filter((n) => n === 1).length;
  }

  /** Whether each coupon's gate hash exists (EXISTS, pipelined in chunks). */
  async gatesExist(couponIds: readonly number[]): Promise<boolean[]> {
    return (await inChunks(couponIds, (id) => this.redis.exists(redisKeys.gate(id)))).map((n) => n === 1);
  }

  /**
   * Of `couponIds`, those with a hold reserved at or before `heldBy` (epoch ms): one ZCOUNT each,
   * pipelined in chunks — cheaper than scanning a Redis full of status keys for holds sets.
   */
  async couponsWithHoldsBefore(couponIds: readonly number[], heldBy: number): Promise<number[]> {
    const counts = await inChunks(couponIds, (id) => this.redis.zcount(redisKeys.holds(id), '-inf', heldBy));
    return couponIds.filter((_, i) => counts[i]! > 0);
  }

  /** Each coupon's gate without its requesters (snapshot.lua, pipelined in chunks). */
  async countsOf(couponIds: readonly number[]): Promise<GateCounts[]> {
    return inChunks(couponIds, (id) => this.counts(id));
  }
}
