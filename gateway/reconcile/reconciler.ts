/**
 * The gate reconciler (docs/gate.md, "The reconciler"): settles holds nobody confirmed by evidence,
 * compares each coupon's gate with the accounting of Postgres + Kafka, and — asked to — writes the
 * accounting (fix) or rebuilds a gate Redis lost. Used by the gateway (periodic settling) and by
 * the operator CLI (`gate reconcile`, `gate rebuild`).
 */
import type { Logger } from 'pino';
import { chunksByWeight } from '../chunks.ts';
import type { Gate } from '../gate.ts';
import { driftOf, expectedAccounting, expectedReserved, type Accounting, type Drift, type GateRequest } from './accounting.ts';
import { liveCoupons, type CouponWindow } from './coupons.ts';
import { gatherEvidence, gatherUnitEvidence, readPendingOf, type EvidenceSources } from './evidence.ts';
import type { GateSnapshot, GateStore } from './gate-store.ts';
import { settleable, settlementOf } from './holds.ts';
import { groupPositions } from '../../platform/group-positions.ts';
import { lagOf } from '../../ops/cli/pending.ts';
import { TOPICS } from '../../schemas/topics.ts';

export interface ReconcilerDeps extends EvidenceSources {
  gate: Gate;
  store: GateStore;
  /** Age after which a hold is settled (GATEWAY_HOLD_SETTLE_MS). */
  settleMs: number;
  /** Requests pending in any one partition above which no drift is measured (default DRIFT_MAX_BACKLOG). */
  driftMaxBacklog?: number;
  log: Logger;
}

/**
 * Measuring drift reads every request pending in Kafka. While a partition is further behind than
 * this (a bulk grant's hundreds of thousands of requests, a processor down) the check is skipped
 * and the gauges keep their values (the lag has alerts of its own): reading such a backlog every
 * minute cost the gateway about a second of CPU per 200,000 requests, taken from the processor
 * deciding them.
 */
export const DRIFT_MAX_BACKLOG = 20_000;

export interface Settled {
  confirmed: number;
  released: number;
}

export type FixResult = 'not-needed' | 'not-asked' | 'applied' | 'busy';

export interface CouponReconciliation {
  couponId: number;
  gateOpen: boolean;
  actual: Accounting;
  expected: Accounting;
  drift: Drift | undefined;
  /** Holds left after settling (younger than the settle bound). */
  holds: number;
  settled: Settled;
  fix: FixResult;
  /** Statuses still PENDING for requests the ledger has decided (checked when asked), and how many were cleared. */
  stalePending: { found: number; cleared: number };
}

export interface ReconcileOptions {
  /** Write the accounting where it drifted. */
  fix: boolean;
  /** Also re-create missing gate hashes from the coupon rows (after Redis lost its data). */
  rebuild: boolean;
  /** Also look for users stuck PENDING (one status read per decided request) and, with fix, clear them. */
  statuses?: boolean;
}

/** A coupon that keeps moving is tried this often before it is reported busy. */
const FIX_ATTEMPTS = 3;

/**
 * Coupons reconciled together, with one evidence read: at most REBUILD_CHUNK coupons and about
 * CHUNK_LEDGER_ROWS ledger rows (a larger coupon alone). A chunk that fails leaves the others
 * rebuilt, so every pass makes progress; and all live coupons read at once, millions of ledger rows
 * on a database with bulk grants, ran the gateway and the CLI out of memory.
 */
export const REBUILD_CHUNK = 20;
const CHUNK_LEDGER_ROWS = 100_000;
const reconcileChunks = (coupons: readonly CouponWindow[]): CouponWindow[][] => chunksByWeight(coupons, (c) => c.issued + 1, CHUNK_LEDGER_ROWS, REBUILD_CHUNK);

export class Reconciler {
  /** Live coupons seen without a gate, and since when (epoch ms). */
  private readonly missingSince = new Map<number, number>();
  /** Each open gate's seq at the last drift measurement. */
  private driftSeqs = new Map<number, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * Rebuilds the gates of live coupons that have been missing for at least the settle bound (Redis
   * lost its data, or a coupon's gate could not be opened at creation). Not sooner: a request
   * reserved before the loss may still be on its way to Kafka, and a rebuild that misses it would
   * admit one too many; a missing gate admits nobody, so after the bound nothing is in flight.
   * In chunks (reconcileChunks), the newest first (a sale under way is likelier there): a chunk
   * that fails is logged and tried again at the next pass, and the others open meanwhile.
   * `goOn` is asked before each chunk but the first: the gateway's pass stops when it shuts down or
   * has used its time (thousands of live coupons take minutes), and the rest waits for the next
   * pass. The first chunk always goes: with many live coupons, a pass can use its time on settling
   * holds and finding the missing gates alone, and would then never rebuild any.
   */
  async rebuildMissingGates(nowMs = Date.now(), goOn: () => boolean = () => true): Promise<CouponReconciliation[]> {
    const coupons = await liveCoupons(this.deps.db);
    const exists = await this.deps.store.gatesExist(coupons.map((c) => c.id));
    const missing = coupons.filter((_, i) => !exists[i]);
    const stillMissing = new Set(missing.map((c) => c.id));
    for (const id of this.missingSince.keys()) if (!stillMissing.has(id)) this.missingSince.delete(id);
    for (const c of missing) if (!this.missingSince.has(c.id)) this.missingSince.set(c.id, nowMs);
    const due = missing.filter((c) => nowMs - this.missingSince.get(c.id)! >= this.deps.settleMs).sort((a, b) => b.id - a.id);
    const reports: CouponReconciliation[] = [];
    if (due.length === 0) return reports;
    const pending = await readPendingOf(this.deps, due.map((c) => c.id));
    for (const [i, chunk] of reconcileChunks(due).entries()) {
      if (i > 0 && !goOn()) break;
      try {
        reports.push(...(await this.reconcileChunk(chunk, { fix: true, rebuild: true }, pending)));
      } catch (err) {
        this.deps.log.warn({ err, coupons: chunk.map((c) => c.id) }, 'rebuilding these gates failed; the other gates go on, these are tried again at the next pass');
      }
    }
    for (const r of reports) if (r.fix === 'applied') this.missingSince.delete(r.couponId);
    return reports;
  }

  /** Settles the old holds of `couponIds` (default: the live coupons that have old holds). */
  async settleHolds(couponIds?: readonly number[], nowMs = Date.now()): Promise<Map<number, Settled>> {
    const ids = couponIds ?? (await this.deps.store.couponsWithHoldsBefore((await liveCoupons(this.deps.db)).map((c) => c.id), nowMs - this.deps.settleMs));
    const gates = await this.deps.store.countsOf(ids);
    const old = gates.map((s) => ({ couponId: s.couponId, holds: settleable(s.holds, nowMs, this.deps.settleMs) })).filter((s) => s.holds.length > 0);
    const result = new Map<number, Settled>(ids.map((id) => [id, { confirmed: 0, released: 0 }]));
    if (old.length === 0) return result;
    const evidence = await gatherUnitEvidence(
      this.deps,
      old.map((o) => o.couponId),
      old.flatMap((o) => o.holds.map((h) => h.eventId)),
    );
    for (const { couponId, holds } of old) {
      const inKafka = new Set((evidence.pending.get(couponId) ?? []).map((r) => r.eventId));
      const settled = result.get(couponId)!;
      for (const hold of holds) {
        if (settlementOf(hold, evidence.decided, inKafka) === 'confirm') {
          await this.deps.store.confirmHold(couponId, hold);
          settled.confirmed++;
        } else if (await this.deps.gate.release(couponId, hold.userId, hold.eventId, hold.member)) {
          settled.released++;
        }
      }
      if (settled.confirmed + settled.released > 0) this.deps.log.info({ couponId, ...settled }, 'settled holds by evidence');
    }
    return result;
  }

  /**
   * Each live coupon's drift in units (gate reserved minus the accounting), for the
   * coupon_gate_drift_units gauge. A coupon whose gate moved while its evidence was read is left
   * out: during a sale the two would differ by the requests in between, not by a fault. Counts
   * only (gatherUnitEvidence, the gate without its requesters): it runs in the gateway beside the
   * sale, where reading a large coupon's every requester and ledger row stalled Redis and the
   * event loop; `gate reconcile` compares the requesters.
   *
   * A coupon whose gate moved since the previous call is not measured either: it is selling, so
   * its gate would move while its evidence is read, and reading that evidence means reading and
   * decoding its whole backlog in Kafka — hundreds of thousands of requests during a bulk grant.
   * It is measured once its gate has held still for one interval — on a gateway's first call too,
   * which sees no coupon still: a gateway started during a bulk grant read the grant's whole
   * backlog at its first check (1.1 s of CPU per 200,000 users).
   */
  async measureDrift(): Promise<Map<number, number>> {
    const coupons = await liveCoupons(this.deps.db);
    const ids = coupons.map((c) => c.id);
    // The counts say whether the gate exists: no separate EXISTS round trip per coupon.
    const current = (await this.deps.store.countsOf(ids)).filter((g) => g.gateExists);
    const before = current.filter((g) => this.driftSeqs.get(g.couponId) === g.seq);
    this.driftSeqs = new Map(current.map((g) => [g.couponId, g.seq]));
    const positions = await groupPositions(this.deps.kafka, this.deps.groupId, TOPICS.requests);
    const backlog = Math.max(0, ...positions.map(lagOf));
    if (backlog > (this.deps.driftMaxBacklog ?? DRIFT_MAX_BACKLOG)) {
      this.deps.log.info({ backlog }, 'gate drift not measured: a partition of the requests topic is too far behind; measured once it caught up');
      return new Map();
    }
    const still = before.map((g) => g.couponId);
    const evidence = await gatherUnitEvidence(
      this.deps,
      still,
      before.flatMap((g) => g.holds.map((h) => h.eventId)),
      positions,
    );
    const after = await this.deps.store.countsOf(still);
    const drift = new Map<number, number>();
    before.forEach((gate, i) => {
      if (after[i]!.seq !== gate.seq) return;
      const expected = expectedReserved(evidence.issued.get(gate.couponId) ?? 0, [...(evidence.pending.get(gate.couponId) ?? []), ...gate.holds], evidence.decided);
      drift.set(gate.couponId, gate.reserved - expected);
    });
    return drift;
  }

  /**
   * Settles holds, then compares each coupon's gate with the accounting and fixes it if asked, a
   * chunk of coupons at a time; `onProgress` hears how many are done after each chunk.
   */
  async reconcile(coupons: readonly CouponWindow[], options: ReconcileOptions, onProgress?: (done: number) => void): Promise<CouponReconciliation[]> {
    const reports: CouponReconciliation[] = [];
    for (const chunk of reconcileChunks(coupons)) {
      reports.push(...(await this.reconcileChunk(chunk, options)));
      onProgress?.(reports.length);
    }
    return reports.sort((a, b) => a.couponId - b.couponId);
  }

  /**
   * `pending` (rebuildMissingGates): the coupons' backlog, read before the chunk; a gate found
   * open by then was reopened by someone else, and is left alone (its backlog may have grown since).
   */
  private async reconcileChunk(coupons: readonly CouponWindow[], options: ReconcileOptions, pending?: ReadonlyMap<number, GateRequest[]>): Promise<CouponReconciliation[]> {
    const ids = coupons.map((c) => c.id);
    const settled = await this.settleHolds(ids);
    const reports: CouponReconciliation[] = [];
    let todo = [...coupons];
    for (let attempt = 1; todo.length > 0; attempt++) {
      const snapshots = await Promise.all(todo.map((c) => this.deps.store.snapshot(c.id)));
      const evidence = await gatherEvidence(this.deps, todo.map((c) => c.id), pending);
      const retry: CouponWindow[] = [];
      for (const [i, coupon] of todo.entries()) {
        const snapshot = snapshots[i]!;
        const expected = expectedAccounting(evidence.decided.get(coupon.id) ?? [], evidence.pending.get(coupon.id) ?? [], snapshot.holds);
        const drift = driftOf(snapshot, expected);
        const fix = pending && snapshot.gateExists ? 'not-needed' : await this.fix(snapshot, expected, drift, coupon, options, attempt);
        if (fix === 'busy' && attempt < FIX_ATTEMPTS) {
          retry.push(coupon);
          continue;
        }
        const stale = options.statuses ? await this.deps.store.stalePending(coupon.id, evidence.decided.get(coupon.id) ?? []) : [];
        const cleared = options.fix && stale.length > 0 ? await this.deps.store.clearStalePending(coupon.id, stale) : 0;
        reports.push({ ...report(snapshot, expected, drift, settled.get(coupon.id)!, fix, options.rebuild), stalePending: { found: stale.length, cleared } });
      }
      todo = retry;
    }
    return reports.sort((a, b) => a.couponId - b.couponId);
  }

  private async fix(snapshot: GateSnapshot, expected: Accounting, drift: Drift | undefined, coupon: CouponWindow, options: ReconcileOptions, attempt: number): Promise<FixResult> {
    const reopen = options.rebuild && !snapshot.gateExists;
    if (!drift && !reopen) return 'not-needed';
    if (!options.fix) return 'not-asked';
    if (!(await this.deps.store.apply(snapshot, expected, options.rebuild ? coupon : undefined))) {
      this.deps.log.info({ couponId: coupon.id, attempt }, 'the gate moved while it was reconciled; trying again');
      return 'busy';
    }
    this.deps.log.warn({ couponId: coupon.id, drift, reopened: reopen }, 'gate accounting written from Postgres and Kafka');
    return 'applied';
  }
}

function report(snapshot: GateSnapshot, expected: Accounting, drift: Drift | undefined, settled: Settled, fix: FixResult, rebuilt: boolean): Omit<CouponReconciliation, 'stalePending'> {
  const applied = fix === 'applied';
  return {
    couponId: snapshot.couponId,
    gateOpen: snapshot.gateExists || (applied && rebuilt),
    actual: { reserved: snapshot.reserved, requesters: snapshot.requesters },
    expected,
    drift,
    holds: snapshot.holds.length,
    settled,
    fix,
  };
}
