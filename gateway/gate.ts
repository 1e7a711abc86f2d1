/**
 * The Redis side of the gateway: the gate scripts (lua/*.lua, loaded once and run by sha) and the
 * reads of a coupon's keys. Every script touches only keys of one coupon (hash tag `{c:<id>}`), so
 * it runs unchanged on Redis Cluster. Redis errors propagate as they are; the routes decide what
 * they mean for the client.
 *
 * An issue request's reserve and confirm go through the batch scripts too: those made in one turn
 * of the event loop become one script call per coupon (gateway/batcher.ts). At ten thousand
 * requests a second, one command per request cost the gateway more CPU than anything else it did.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Result } from 'ioredis';
import type { RedisClient } from '../platform/redis-connection.ts';
import { grantHoldMember, holdMember, isGrantCode, redisKeys, STATUS_TTL_SECONDS, type RequestStatusFields } from '../schemas/redis-keys.ts';
import { unpackStatus } from '../schemas/status-value.ts';
import { CODE_HOLDS_SCHEME, NEW_GRANT_SCHEME, type GrantEventIdScheme } from './grant/grant-id.ts';
import { Batcher } from './batcher.ts';
import { withGateRetry } from './gate-retry.ts';
import { LuaScript } from './lua-script.ts';
import { parseStoredInteger } from './position.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    couponGateRelease(reserved: string, users: string, statuses: string, holds: string, seq: string, grants: string, userId: number, eventId: string, member: string): Result<number, Context>;
    couponGatePrime(gate: string, reserved: string, users: string, holds: string, seq: string, grants: string, grantCodes: string, statuses: string, total: number, startsAt: number, endsAt: number): Result<number, Context>;
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

/** What a reserve-many.lua code other than 2 means. */
export function reserveOutcome(code: number): ReserveOutcome {
  const outcome = RESERVE_OUTCOMES[code];
  if (!outcome) throw new Error(`the gate script returned ${code}, which it never should`);
  return outcome;
}

/**
 * The gate does not know a coupon that exists: Redis lost its gate (the reconciler rebuilds it
 * once no reservation can still be in flight) or priming failed at creation. Not a refusal of the
 * users: a bulk grant stops on it, having refused nobody, and is run again once the gate is open.
 */
export class GateNotOpenError extends Error {
  override name = 'GateNotOpenError';
}

/** A bulk grant's user at the gate: a request's outcomes, plus HELD (this same request already holds the user's unit). */
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

/** The keys release.lua changes for a request, in its KEYS order. */
const releaseKeys = (couponId: number): [string, string, string, string, string, string] => [
  redisKeys.reserved(couponId),
  redisKeys.requesters(couponId),
  redisKeys.statuses(couponId),
  redisKeys.holds(couponId),
  redisKeys.seq(couponId),
  redisKeys.grants(couponId),
];

const script = (name: string): string => fs.readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/** The largest batch of one script call made for requests: Redis runs nothing else meanwhile. */
const MAX_BATCH = 256;

/**
 * How long confirms gather before one script call settles them. No answer waits for a confirm, so
 * a few ms cost nothing but a hold that lives as long, and turn one Redis call per event-loop turn
 * with a delivery report into one per many turns.
 */
const CONFIRM_LINGER_MS = 5;

/** A request's reservation: the gate's answer and the instant (epoch ms) it was judged at. */
export interface Reservation {
  outcome: ReserveOutcome;
  /** The window was checked against this instant and the hold carries it: the request's requestedAt. */
  at: number;
}

type Produced = GrantedRequest & { partition: number; offset: number };

/** A request's confirm, queued: when it was asked for (performance.now() ms). */
type Confirming = Produced & { since: number };

/**
 * Told what became of the confirms nobody waits for (the 202 is out): the gateway times them and
 * warns about failures, once per batch rather than with a promise and a callback per request.
 */
export interface ConfirmReport {
  /** One request's confirm is done, `seconds` after it was asked for. */
  confirmed(seconds: number): void;
  /** A batch's confirms failed even when tried again: their holds stay for the reconciler. */
  failed(err: unknown, couponId: number, eventIds: string[]): void;
}

const UNREPORTED: ConfirmReport = { confirmed: () => undefined, failed: () => undefined };

export class Gate {
  private readonly reserveScript = new LuaScript(script('reserve-many'));
  private readonly confirmScript = new LuaScript(script('confirm-many'));
  private readonly reserves = new Batcher<number, GrantedRequest, Reservation & { held: boolean }>((couponId, requests) => this.reserveBatch(couponId, requests), MAX_BATCH);
  private readonly confirms = new Batcher<number, Confirming, void>((couponId, produced) => this.confirmBatch(couponId, produced), MAX_BATCH, (flush) => setTimeout(flush, CONFIRM_LINGER_MS));

  constructor(
    private readonly redis: RedisClient,
    private readonly report: ConfirmReport = UNREPORTED,
  ) {
    redis.defineCommand('couponGateRelease', { numberOfKeys: 6, lua: script('release') });
    redis.defineCommand('couponGatePrime', { numberOfKeys: 8, lua: script('prime') });
  }

  /**
   * One request at the gate: window, duplicate check, quantity, PENDING status, hold
   * (lua/reserve-many.lua, together with the other requests for the coupon in this turn).
   */
  async reserve(couponId: number, userId: number, eventId: string): Promise<Reservation> {
    const { outcome, at, held } = await this.reserves.submit(couponId, { userId, eventId });
    // HELD means this very event id already holds the unit: never for a request's fresh id.
    if (held) throw new Error(`the gate already holds event ${eventId} of user ${userId}, a fresh id`);
    return { outcome, at };
  }

  private async reserveBatch(couponId: number, requests: GrantedRequest[]): Promise<Array<Reservation & { held: boolean }>> {
    const at = Date.now();
    const outcomes = await this.reserveMany(couponId, requests, at);
    return outcomes.map((o) => (o === 'HELD' ? { outcome: 'RESERVED', at, held: true } : { outcome: o, at, held: false }));
  }

  /**
   * reserve() for many users of one coupon in one round trip (lua/reserve-many.lua): one outcome
   * per request, in order. Requests must name distinct users.
   */
  async reserveMany(couponId: number, requests: readonly GrantedRequest[], nowMs: number): Promise<BatchReserveOutcome[]> {
    const keys = this.couponKeys(couponId);
    keys.push(redisKeys.statuses(couponId));
    return this.runReserve(keys, nowMs, '', false, requests);
  }

  /**
   * reserveMany() for a bulk grant's users: the same checks and counts, and instead of a PENDING
   * status, the user's field in the coupon's grants hash (redisKeys.grants), which
   * holds the grant's short code (redisKeys.grantCodes). A CODE_HOLDS_SCHEME grant's holds name
   * the code too (grantHoldMember): the grant and the user give the event id.
   */
  async reserveGrant(couponId: number, grantId: string, requests: readonly GrantedRequest[], nowMs: number, eventIds: GrantEventIdScheme = NEW_GRANT_SCHEME): Promise<BatchReserveOutcome[]> {
    const keys = this.couponKeys(couponId);
    keys.push(redisKeys.grants(couponId), redisKeys.grantCodes(couponId));
    return this.runReserve(keys, nowMs, grantId, eventIds === CODE_HOLDS_SCHEME, requests);
  }

  private couponKeys(couponId: number): string[] {
    return [redisKeys.gate(couponId), redisKeys.reserved(couponId), redisKeys.requesters(couponId), redisKeys.holds(couponId), redisKeys.seq(couponId)];
  }

  private async runReserve(keys: string[], nowMs: number, grantId: string, holdsByCode: boolean, requests: readonly GrantedRequest[]): Promise<BatchReserveOutcome[]> {
    if (requests.length === 0) return [];
    const args: Array<string | number> = [nowMs, STATUS_TTL_SECONDS, grantId, holdsByCode ? '1' : ''];
    // Holds named by the grant's code need no event id: the script names each request by its grant
    // and user (36 bytes less a user to send, and for Redis to read and intern).
    for (const r of requests) args.push(r.userId, holdsByCode ? '' : r.eventId);
    const codes = (await this.reserveScript.run(this.redis, keys, args)) as number[];
    return codes.map(batchReserveOutcome);
  }

  /** confirm() for many requests of one coupon in one round trip (lua/confirm-many.lua). */
  async confirmMany(couponId: number, produced: readonly Produced[]): Promise<void> {
    if (produced.length === 0) return;
    const args: Array<string | number> = [];
    for (const p of produced) args.push(p.userId, p.eventId, p.partition, p.offset);
    await this.confirmScript.run(this.redis, [redisKeys.holds(couponId), redisKeys.statuses(couponId)], args);
  }

  /**
   * Settles the holds of a grant's requests whose records are in Kafka: one ZREM, no status
   * touched. Unlike confirmMany it stores no queue position — nobody waits in line for a grant's
   * request, and the two commands a user it cost were a fifth of a grant's Redis work: the status
   * stays PENDING without a position until the processor decides it.
   */
  async settleHolds(couponId: number, grantId: string, requests: readonly GrantedRequest[], eventIds: GrantEventIdScheme = NEW_GRANT_SCHEME): Promise<void> {
    if (requests.length === 0) return;
    const members = eventIds === CODE_HOLDS_SCHEME ? await this.grantHoldMembers(couponId, grantId, requests) : requests.map((r) => holdMember(r.userId, r.eventId));
    if (members.length > 0) await this.redis.zrem(redisKeys.holds(couponId), ...members);
  }

  /**
   * Removes the holds of requests the ledger has decided (a grant run killed between produce and
   * confirm left them) in either form — by the grant's code, or by event id as a gateway before
   * the codes wrote them —, and nothing at all while the coupon holds nothing, the common case of
   * a re-upload.
   */
  async dropHolds(couponId: number, grantId: string, decided: readonly GrantedRequest[]): Promise<void> {
    if (decided.length === 0 || (await this.redis.zcard(redisKeys.holds(couponId))) === 0) return;
    const byCode = await this.grantHoldMembers(couponId, grantId, decided);
    await this.redis.zrem(redisKeys.holds(couponId), ...byCode, ...decided.map((r) => holdMember(r.userId, r.eventId)));
  }

  /** The holds members of a grant's requests named by its code; none if the grant has no code, so never held by one. */
  private async grantHoldMembers(couponId: number, grantId: string, requests: readonly GrantedRequest[]): Promise<string[]> {
    const code = await this.redis.hget(redisKeys.grantCodes(couponId), grantId);
    return code === null ? [] : requests.map((r) => grantHoldMember(r.userId, code));
  }

  /**
   * Undoes reserve() of the request `eventId` if it still holds its unit; false if there was
   * nothing (left) to undo. `member`: the hold's member, if not the request's own (a grant's).
   */
  async release(couponId: number, userId: number, eventId: string, member = holdMember(userId, eventId)): Promise<boolean> {
    const released = await this.redis.couponGateRelease(...releaseKeys(couponId), userId, eventId, member);
    return released === 1;
  }

  /**
   * The request's record reached Kafka at `at`: settles its hold and records its position (with
   * the coupon's other confirms of the next few ms), in the background; the outcome goes to the report.
   */
  confirm(couponId: number, userId: number, eventId: string, at: { partition: number; offset: number }): void {
    this.confirms.add(couponId, { userId, eventId, partition: at.partition, offset: at.offset, since: performance.now() });
  }

  /** Sends the confirms still gathering now (before the Redis connection closes). */
  flushConfirms(): void {
    this.confirms.flush();
  }

  private async confirmBatch(couponId: number, produced: Confirming[]): Promise<void[]> {
    // Nobody waits for a confirm (the 202 is out): a stall costs it a pause and a new try.
    try {
      await withGateRetry(() => this.confirmMany(couponId, produced), { firstPauseMs: 250 });
    } catch (err) {
      this.report.failed(
        err,
        couponId,
        produced.map((p) => p.eventId),
      );
      return produced.map(() => undefined);
    }
    const now = performance.now();
    for (const p of produced) this.report.confirmed((now - p.since) / 1000);
    return produced.map(() => undefined);
  }

  /** The processor's committed watermark of a partition; undefined before its first commit. */
  async watermark(partition: number): Promise<number | undefined> {
    return parseStoredInteger(await this.redis.get(redisKeys.watermark(partition)));
  }

  /** The user's status (schemas/status-value.ts) as fields; empty when Redis has none. */
  async status(couponId: number, userId: number): Promise<Partial<RequestStatusFields>> {
    return unpackStatus(await this.redis.hget(redisKeys.statuses(couponId), String(userId)));
  }

  /**
   * The bulk grant whose request holds the user, if one does (such a user has no status): the
   * user's field holds the grant's code (`#<n>`), or its id where a gateway before the codes wrote
   * it (no grant id has a '#').
   */
  async grantOf(couponId: number, userId: number): Promise<string | undefined> {
    const named = await this.redis.hget(redisKeys.grants(couponId), String(userId));
    if (named === null || !isGrantCode(named)) return named ?? undefined;
    return (await this.redis.hget(redisKeys.grantCodes(couponId), named)) ?? undefined;
  }

  async prime(couponId: number, window: GateWindow): Promise<void> {
    await this.redis.couponGatePrime(
      redisKeys.gate(couponId),
      redisKeys.reserved(couponId),
      redisKeys.requesters(couponId),
      redisKeys.holds(couponId),
      redisKeys.seq(couponId),
      redisKeys.grants(couponId),
      redisKeys.grantCodes(couponId),
      redisKeys.statuses(couponId),
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
