/**
 * The processor's pre-produced input, written the fast way: coupons inserted straight into
 * Postgres (the processor never asks the gateway's Redis gate) and CouponIssueRequested records
 * produced straight to the requests topic through the registry serde, keyed by coupon like the
 * gateway does.
 */
import { v7 as uuidv7 } from 'uuid';
import type { CouponIssueRequested } from '../../schemas/contracts.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { BulkProducer } from './bulk-producer.ts';
import type { BenchContext } from './context.ts';
import { recordKey } from '../../schemas/record-key.ts';

/** Requests per coupon in the processor's input; each coupon has half as many units. */
export const REQUESTS_PER_COUPON = 2_000;

export interface InputPlan {
  coupons: number;
  quantity: number;
}

/**
 * How `records` requests spread over coupons: about REQUESTS_PER_COUPON per coupon and quantity
 * for half of them, so every input (large or small) has the same mix of ISSUED and SOLD_OUT.
 */
export function planInput(records: number): InputPlan {
  const coupons = Math.max(1, Math.round(records / REQUESTS_PER_COUPON));
  return { coupons, quantity: Math.max(1, Math.floor(records / coupons / 2)) };
}

/** Inserts `count` open coupons of `quantity` units in one statement; returns their ids in order. */
export async function insertCoupons(ctx: BenchContext, label: string, count: number, quantity: number): Promise<number[]> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO coupons (name, total_quantity, starts_at)
     SELECT $1 || ' ' || n, $2, now() - interval '1 minute' FROM generate_series(1, $3) AS n
     ORDER BY n RETURNING id`,
    [`bench ${label} ${ctx.runId}`, quantity, count],
  );
  const ids = rows.map((r) => Number(r.id));
  ctx.gatelessCoupons.push(...ids);
  return ids;
}

/** Request i goes to coupon i mod n: coupons interleave (all partitions fill evenly), users are distinct per coupon. */
export function buildRequests(couponIds: readonly number[], records: number, requestedAt = Date.now()): CouponIssueRequested[] {
  const n = couponIds.length;
  return Array.from({ length: records }, (_, i) => ({ eventId: uuidv7(), couponId: couponIds[i % n]!, userId: Math.floor(i / n) + 1, requestedAt }));
}

/** Produces the requests and resolves once the broker has acknowledged them all; returns msgs/s. */
export async function writeRequests(ctx: BenchContext, requests: readonly CouponIssueRequested[]): Promise<number> {
  const producer = await BulkProducer.connect(ctx.kafka, { murmur2: true });
  try {
    const records = requests.map((r) => ({ key: recordKey(r.couponId), value: ctx.serde.encode(TOPICS.requests, r) }));
    const ms = await producer.produceAll(ctx.topics.requests, records);
    return requests.length / (ms / 1000);
  } finally {
    await producer.disconnect();
  }
}
