/**
 * `coupons list | show <id>`: each coupon's quantity and window (Postgres), issued and decided
 * (the ledger), its gate (Redis: open, reserved units, requesters) and its pending requests (records
 * in Kafka above the processor group's committed offsets).
 */
import type pg from 'pg';
import type { RedisClient } from '../../platform/redis-connection.ts';
import { UsageError, type CommandResult } from './args.ts';
import { OpsError, type OpsCommand, type OpsCommandGroup, type OpsContext } from './context.ts';
import { parseCouponId } from './dlq-selection.ts';
import { renderFields, renderTable } from './table.ts';
import { formatTime } from './time.ts';

export interface CouponRecord {
  id: number;
  name: string;
  totalQuantity: number;
  issued: number;
  startsAt: number;
  endsAt: number | null;
  /** Ledger outcomes of the coupon's requests. */
  rejected: number;
  failed: number;
}

export interface GateView {
  /** The gate hash exists: the gateway accepts requests for the coupon. */
  open: boolean;
  reserved: number;
  requesters: number;
}

export type WindowState = 'upcoming' | 'open' | 'ended';

export interface CouponView extends CouponRecord {
  window: WindowState;
  gate: GateView;
  /** Requests in Kafka the processor group has not committed yet. */
  pending: number;
}

export const windowState = (c: Pick<CouponRecord, 'startsAt' | 'endsAt'>, now: number): WindowState =>
  now < c.startsAt ? 'upcoming' : c.endsAt !== null && now >= c.endsAt ? 'ended' : 'open';

const gateText = (g: GateView): string => (g.open ? 'open' : 'MISSING');
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function renderCouponList(coupons: CouponView[], group: string): string {
  const table = renderTable(
    coupons,
    [
      { header: 'ID', value: (c) => String(c.id), align: 'right' },
      { header: 'NAME', value: (c) => cut(c.name, 28) },
      { header: 'QUANTITY', value: (c) => c.totalQuantity },
      { header: 'ISSUED', value: (c) => c.issued },
      { header: 'GATE', value: (c) => gateText(c.gate) },
      { header: 'RESERVED', value: (c) => c.gate.reserved },
      { header: 'PENDING', value: (c) => c.pending },
      { header: 'WINDOW', value: (c) => c.window },
      { header: 'STARTS', value: (c) => formatTime(c.startsAt) },
      { header: 'ENDS', value: (c) => formatTime(c.endsAt) },
    ],
    'no coupons',
  );
  return coupons.length === 0 ? table : `${table}\n(RESERVED: units the gate handed out; PENDING: requests in Kafka not yet committed by group ${group})`;
}

export function renderCoupon(c: CouponView, group: string): string {
  return renderFields([
    ['coupon', `${c.id} ${JSON.stringify(c.name)}`],
    ['window', `${c.window}: ${formatTime(c.startsAt)} → ${c.endsAt === null ? 'open-ended' : formatTime(c.endsAt)}`],
    ['quantity', c.totalQuantity],
    ['issued', c.issued],
    ['rejected', c.rejected],
    ['failed', c.failed],
    ['gate', c.gate.open ? 'open' : 'MISSING (the gateway answers 503 GATE_NOT_OPEN for it; gate rebuild restores it)'],
    ['gate reserved', c.gate.reserved],
    ['gate remaining', c.gate.open ? Math.max(0, c.totalQuantity - c.gate.reserved) : null],
    ['gate requesters', c.gate.requesters],
    ['pending requests', `${c.pending.toLocaleString('en-US')} (in Kafka above group ${group}'s committed offsets)`],
  ]);
}

const COLUMNS = `c.id, c.name, c.total_quantity, c.issued_quantity,
  (extract(epoch FROM c.starts_at) * 1000)::bigint AS starts_ms, (extract(epoch FROM c.ends_at) * 1000)::bigint AS ends_ms,
  (SELECT count(*) FROM issue_outcomes o WHERE o.coupon_id = c.id AND o.outcome = 'REJECTED') AS rejected,
  (SELECT count(*) FROM issue_outcomes o WHERE o.coupon_id = c.id AND o.outcome = 'FAILED') AS failed`;

interface Row {
  id: string;
  name: string;
  total_quantity: number;
  issued_quantity: number;
  starts_ms: string;
  ends_ms: string | null;
  rejected: string;
  failed: string;
}

const toRecord = (r: Row): CouponRecord => ({
  id: Number(r.id),
  name: r.name,
  totalQuantity: r.total_quantity,
  issued: r.issued_quantity,
  startsAt: Number(r.starts_ms),
  endsAt: r.ends_ms === null ? null : Number(r.ends_ms),
  rejected: Number(r.rejected),
  failed: Number(r.failed),
});

async function queryCoupons(db: pg.Pool, where: { id?: number; live?: boolean; limit: number }): Promise<CouponRecord[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (where.id !== undefined) conditions.push(`c.id = $${params.push(where.id)}`);
  if (where.live) conditions.push('c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now())');
  const sql = `SELECT ${COLUMNS} FROM coupons c ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY c.id DESC LIMIT $${params.push(where.limit)}`;
  return (await db.query<Row>(sql, params)).rows.map(toRecord);
}

async function gateOf(redis: RedisClient, couponId: number): Promise<GateView> {
  const { redisKeys } = await import('../../schemas/redis-keys.ts');
  const [open, reserved, requesters] = await Promise.all([redis.exists(redisKeys.gate(couponId)), redis.get(redisKeys.reserved(couponId)), redis.scard(redisKeys.requesters(couponId))]);
  return { open: open === 1, reserved: Number(reserved ?? 0), requesters };
}

/** Per coupon id, its requests above the processor group's committed offsets. */
async function pendingCounts(ctx: OpsContext, ids: number[]): Promise<Map<number, number>> {
  const { readPendingRequests } = await import('./pending.ts');
  const { processorGroupId, kafkaBrokers, kafka } = ctx.config();
  const keys = new Set(ids.map(String));
  const tracker = ctx.track('reading pending requests');
  try {
    const records = await ctx.step(`reading the requests pending for group ${processorGroupId} from Kafka (${kafkaBrokers})`, async () =>
      readPendingRequests(await ctx.processorPositions(), (r) => keys.has(r.key?.toString() ?? ''), {
        kafka,
        onProgress: (n, total) => tracker.update(n, total),
      }),
    );
    const counts = new Map<number, number>();
    for (const r of records) counts.set(Number(r.key!.toString()), (counts.get(Number(r.key!.toString())) ?? 0) + 1);
    return counts;
  } finally {
    tracker.finish();
  }
}

async function views(ctx: OpsContext, where: { id?: number; live?: boolean; limit: number }): Promise<CouponView[]> {
  const coupons = await ctx.step('reading coupons from Postgres', async () => queryCoupons(await ctx.db(), where));
  if (coupons.length === 0) return [];
  const redis = await ctx.step('connecting to Redis', () => ctx.redis());
  const [gates, pending] = await Promise.all([
    ctx.step('reading the gates from Redis', () => Promise.all(coupons.map((c) => gateOf(redis, c.id)))),
    pendingCounts(
      ctx,
      coupons.map((c) => c.id),
    ),
  ]);
  const now = Date.now();
  return coupons.map((c, i) => ({ ...c, window: windowState(c, now), gate: gates[i]!, pending: pending.get(c.id) ?? 0 }));
}

const list: OpsCommand = {
  name: 'list',
  summary: 'coupons, newest first: quantity, issued, gate state and reserved units, pending requests, window',
  options: {
    limit: { type: 'string', value: '<n>', description: 'at most n coupons (default 20)' },
    live: { type: 'boolean', description: 'only coupons whose window is open now' },
  },
  async run(ctx, args): Promise<CommandResult> {
    const raw = args.string('limit') ?? '20';
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw new UsageError(`--limit takes a positive whole number, got "${raw}"`);
    const coupons = await views(ctx, { limit: Number(raw), live: args.flag('live') });
    const group = ctx.config().processorGroupId;
    return { data: { group, coupons }, text: renderCouponList(coupons, group) };
  },
};

const show: OpsCommand = {
  name: 'show',
  summary: 'one coupon: quantity, issued, rejected and failed, gate (open, reserved, remaining, requesters), pending requests, window',
  positionals: [{ name: 'id', description: 'the coupon id' }],
  async run(ctx, args): Promise<CommandResult> {
    const id = parseCouponId(args.positional('id'), 'coupons show');
    const [coupon] = await views(ctx, { id, limit: 1 });
    if (!coupon) throw new OpsError(`coupon ${id} does not exist in Postgres`);
    const group = ctx.config().processorGroupId;
    return { data: { group, coupon }, text: renderCoupon(coupon, group) };
  },
};

export const couponsGroup: OpsCommandGroup = {
  name: 'coupons',
  summary: 'coupons with their figures from Postgres, the Redis gate and Kafka',
  commands: [list, show],
};
