/**
 * `gate rebuild | reconcile`: a coupon's Redis gate checked against, fixed from, or rebuilt from
 * Postgres (coupon, ledger) and the requests still pending in Kafka above the processor group's
 * committed offsets (design: docs/gate.md). The work is gateway/reconcile's; this is its command line.
 */
import type { CouponReconciliation, ReconcileOptions } from '../../gateway/reconcile/reconciler.ts';
import { UsageError, type Args, type CommandResult } from './args.ts';
import type { OpsCommand, OpsCommandGroup, OpsContext } from './context.ts';
import { renderTable } from './table.ts';

/** A coupon's line of the report: counts, not whole requester sets (a coupon may have millions). */
export interface GateLine {
  couponId: number;
  gateOpen: boolean;
  reserved: { actual: number; expected: number };
  requesters: { actual: number; expected: number };
  /**
   * Users the gate lacked (could have been admitted twice) and users it held without evidence
   * (locked out): how many, and the first LISTED_USERS of them.
   */
  missing: number[];
  missingCount: number;
  phantom: number[];
  phantomCount: number;
  /** Holds left (younger than the settle bound). */
  holds: number;
  settled: { confirmed: number; released: number };
  fix: CouponReconciliation['fix'];
  /** Users whose status still said PENDING for a decided request (reconcile only), and how many were cleared. */
  stalePending: { found: number; cleared: number };
}

export interface GateReport {
  coupons: GateLine[];
  /** Coupons whose gate still differs from the accounting after this command. */
  drifted: number;
  /** Coupons whose gate kept moving while being fixed (run again, or when the sale is quieter). */
  busy: number;
}

const couponOption = { type: 'string', value: '<id>', description: 'only this coupon' } as const;

const LISTED_USERS = 100;

const lineOf = (c: CouponReconciliation): GateLine => ({
  couponId: c.couponId,
  gateOpen: c.gateOpen,
  reserved: { actual: c.actual.reserved, expected: c.expected.reserved },
  requesters: { actual: c.actual.requesters.length, expected: c.expected.requesters.length },
  missing: (c.drift?.missing ?? []).slice(0, LISTED_USERS),
  missingCount: c.drift?.missing.length ?? 0,
  phantom: (c.drift?.phantom ?? []).slice(0, LISTED_USERS),
  phantomCount: c.drift?.phantom.length ?? 0,
  holds: c.holds,
  settled: c.settled,
  fix: c.fix,
  stalePending: c.stalePending,
});

export function gateReport(reconciled: CouponReconciliation[]): GateReport {
  const remains = (c: CouponReconciliation): boolean => ((c.drift !== undefined || !c.gateOpen) && c.fix !== 'applied') || c.stalePending.found > c.stalePending.cleared;
  return { coupons: reconciled.map(lineOf), drifted: reconciled.filter(remains).length, busy: reconciled.filter((c) => c.fix === 'busy').length };
}

const change = (actual: number | string, expected: number | string): string => (actual === expected ? String(actual) : `${actual} -> ${expected}`);
const users = (ids: number[], count: number): string | null => (count === 0 ? null : count <= 5 ? ids.join(' ') : `${ids.slice(0, 5).join(' ')} (+${count - 5})`);

export function renderGateReport(report: GateReport, verb: string): string {
  const table = renderTable(report.coupons, [
    { header: 'COUPON', value: (c) => String(c.couponId), align: 'right' },
    { header: 'GATE', value: (c) => (c.gateOpen ? 'open' : 'missing') },
    { header: 'RESERVED', value: (c) => change(c.reserved.actual, c.reserved.expected), align: 'right' },
    { header: 'USERS', value: (c) => change(c.requesters.actual, c.requesters.expected), align: 'right' },
    { header: 'MISSING USERS', value: (c) => users(c.missing, c.missingCount) },
    { header: 'PHANTOM USERS', value: (c) => users(c.phantom, c.phantomCount) },
    { header: 'HOLDS', value: (c) => c.holds },
    { header: 'SETTLED', value: (c) => (c.settled.confirmed + c.settled.released === 0 ? null : `${c.settled.confirmed} confirmed, ${c.settled.released} released`) },
    { header: 'STUCK PENDING', value: (c) => (c.stalePending.found === 0 ? null : c.stalePending.cleared > 0 ? `${c.stalePending.found}, cleared` : c.stalePending.found) },
    { header: 'FIX', value: (c) => c.fix },
  ]);
  const summary =
    report.drifted === 0
      ? `${report.coupons.length} coupons ${verb}: every gate matches Postgres and Kafka`
      : `${report.coupons.length} coupons ${verb}: ${report.drifted} drifted${report.busy > 0 ? `, ${report.busy} kept moving (run again)` : ''}`;
  return `${summary}\n\n${table}`;
}

export function couponArg(args: Args): number | undefined {
  const raw = args.string('coupon');
  if (raw === undefined) return undefined;
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) throw new UsageError(`--coupon: expected a coupon id (a positive integer), got "${raw}"`);
  return id;
}

/** GATEWAY_HOLD_SETTLE_MS as the gateway reads it (its default follows the producer's message timeout). */
function settleMs(env: NodeJS.ProcessEnv, defaultFor: (messageTimeoutMs: number) => number): number {
  const raw = env.GATEWAY_HOLD_SETTLE_MS?.trim() || String(defaultFor(Number(env.GATEWAY_KAFKA_MESSAGE_TIMEOUT_MS?.trim() || 5000)));
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 1000) throw new UsageError(`GATEWAY_HOLD_SETTLE_MS: expected milliseconds (at least 1000), got "${raw}"`);
  return ms;
}

async function reconcileWith(ctx: OpsContext, couponId: number | undefined, options: ReconcileOptions): Promise<CouponReconciliation[]> {
  const [{ Gate }, { GateStore }, { Reconciler }, { couponsById, liveCoupons }, { defaultHoldSettleMs }] = await Promise.all([
    import('../../gateway/gate.ts'),
    import('../../gateway/reconcile/gate-store.ts'),
    import('../../gateway/reconcile/reconciler.ts'),
    import('../../gateway/reconcile/coupons.ts'),
    import('../../gateway/config.ts'),
  ]);
  const config = ctx.config();
  const settle = settleMs(process.env, defaultHoldSettleMs);
  const db = await ctx.step(`connecting to Postgres`, () => ctx.db());
  const coupons = await ctx.step('reading the coupons from Postgres', () => (couponId === undefined ? liveCoupons(db) : couponsById(db, [couponId])));
  if (couponId !== undefined && coupons.length === 0) throw new UsageError(`coupon ${couponId} does not exist`);
  const redis = await ctx.step('connecting to Redis', () => ctx.redis());
  const reconciler = new Reconciler({
    gate: new Gate(redis),
    store: new GateStore(redis),
    db,
    kafka: config.kafka,
    serde: await ctx.serde(),
    groupId: config.processorGroupId,
    settleMs: settle,
    log: await ctx.log(),
  });
  const tracker = ctx.track('coupons reconciled');
  const reports = await ctx.step(`reconciling the gates of ${coupons.length} coupons with Postgres and Kafka (${config.kafkaBrokers}, group ${config.processorGroupId})`, () =>
    reconciler.reconcile(coupons, options, (done) => tracker.update(done, coupons.length)),
  );
  tracker.finish();
  return reports;
}

const reconcileCommand: OpsCommand = {
  name: 'reconcile',
  summary: "compare every live coupon's gate with Postgres + Kafka; --fix writes the accounting where it drifted",
  description:
    'First settles holds older than GATEWAY_HOLD_SETTLE_MS (confirmed if the request is in the ledger or pending in Kafka,\n' +
    'released otherwise). Then, per coupon: reserved must equal ISSUED + undecided requests (pending in Kafka or held),\n' +
    'users must equal everyone with a ledger row, a pending request or a hold. MISSING USERS could be admitted twice;\n' +
    'PHANTOM USERS are locked out. STUCK PENDING: statuses still PENDING for requests the ledger has decided (the\n' +
    "processor's status write was lost); --fix clears them, so the status endpoint answers from the ledger.\n" +
    '--fix writes the accounting, guarded against concurrent requests (a coupon that keeps moving is reported busy).\n' +
    'Live coupons: window open or closed less than a day ago. Exit 1 while any gate drifts.',
  options: { fix: { type: 'boolean', description: 'write the accounting where the gate drifted' }, coupon: couponOption },
  run: async (ctx, args): Promise<CommandResult> => {
    const report = gateReport(await reconcileWith(ctx, couponArg(args), { fix: args.flag('fix'), rebuild: false, statuses: true }));
    return { data: report, text: renderGateReport(report, args.flag('fix') ? 'reconciled' : 'checked'), exitCode: report.drifted === 0 ? 0 : 1 };
  },
};

const rebuildCommand: OpsCommand = {
  name: 'rebuild',
  summary: 'rebuild gates in Redis from Postgres + Kafka (after Redis lost its data)',
  description:
    "Re-creates a missing gate (total and window from the coupon row) together with its accounting, in one step per\n" +
    'coupon: until then the coupon answers 503 GATE_NOT_OPEN, so nobody is admitted twice meanwhile. A gate that\n' +
    'exists is fixed like reconcile --fix. Exit 1 if a coupon kept moving and was not rebuilt.',
  options: { coupon: couponOption, all: { type: 'boolean', description: 'every live coupon' } },
  run: async (ctx, args): Promise<CommandResult> => {
    const couponId = couponArg(args);
    if ((couponId === undefined) === !args.flag('all')) throw new UsageError('say which gates: --coupon <id> or --all');
    const report = gateReport(await reconcileWith(ctx, couponId, { fix: true, rebuild: true }));
    return { data: report, text: renderGateReport(report, 'rebuilt'), exitCode: report.drifted === 0 ? 0 : 1 };
  },
};

export const gateGroup: OpsCommandGroup = {
  name: 'gate',
  summary: 'the Redis gate of coupons: rebuild after data loss, reconcile drift',
  commands: [rebuildCommand, reconcileCommand],
};
