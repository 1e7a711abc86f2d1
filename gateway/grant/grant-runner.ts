/**
 * Runs a bulk grant: the users of a stream of lines, batch by batch, through the flash sale's
 * path. Per batch (distinct users, their deterministic event ids):
 *   1. the ledger: users whose request of this grant is already decided need nothing more;
 *   2. the gate (reserve-many.lua, in chunks so Redis is never blocked long): reserved, held by
 *      this same request (a resumed run), or refused (sold out, requested by another request);
 *      the users get no status hash, only their grant's name in the coupon's grants hash;
 *   3. the roster: every user with the gate's refusal, before anything is produced, so a
 *      produced request is always listed;
 *   4. produce the reserved and held requests to coupon-issue-requests and await every delivery;
 *   5. settle their holds (no queue position is stored: nobody waits in line for a grant's request).
 * A batch enters the gate only while at most maxUndecided of the produced requests wait for the
 * processor (backlog.ts).
 * A crash anywhere leaves holds (settled by the reconciler, or found HELD by a re-run, which
 * produces them again: the processor decides an event id once) and nothing issued twice.
 * Memory is bounded by the batches in flight, whatever the input's size.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { GateNotOpenError, type Gate } from '../gate.ts';
import { Backlog } from './backlog.ts';
import type { GrantBatchStep, GrantMetrics, GrantUserStage } from './grant-metrics.ts';
import { chunksOf } from '../chunks.ts';
import { withGateRetry } from '../gate-retry.ts';
import { grantEventIds, type GrantEventIdScheme } from './grant-id.ts';
import type { GrantProducer } from './grant-producer.ts';
import { decidedBelow, newProgress, settleDue, type GrantProgress, type ProducedBatch } from './grant-progress.ts';
import type { DecidedRequest, Grant, GrantStore, RosterEntry } from './grant-store.ts';
import { Pace, pacedBatchSize } from './pace.ts';
import { Turns, type Turn } from './turns.ts';
import { UserLineParser } from './user-lines.ts';

export interface GrantDeps {
  gate: Gate;
  producer: GrantProducer;
  store: GrantStore;
  metrics?: GrantMetrics;
  log: Logger;
}

export interface GrantOptions {
  couponId: number;
  grantId: string;
  /** Lines of the input, if known (for the ETA). */
  totalLines?: number;
  /** Users per batch (default 5000). */
  batchSize?: number;
  /** Users per gate script call (default 1000): bounds how long one call holds Redis. */
  gateChunk?: number;
  /** Batches in flight at once (default 3). */
  concurrency?: number;
  /** Invalid lines kept for the report (default 100; all are counted). */
  keepInvalid?: number;
  /** At most this many users a second enter the gate (default: no limit), in batches of at most a fifth of a second's. */
  maxUsersPerSecond?: number;
  /** A batch enters the gate only while at most this many of the grant's produced requests wait for the processor (default 50,000; Backlog). */
  maxUndecided?: number;
  /** How long the processor may decide none of them before the upload goes on without waiting (default 5 s). */
  processorStallMs?: number;
}

export interface InvalidLine {
  line: number;
  reason: string;
}

export interface GrantUpload {
  couponId: number;
  grantId: string;
  progress: GrantProgress;
  /** The first keepInvalid invalid lines. */
  invalidLines: InvalidLine[];
  /** Where the produced requests went, batch by batch (for decided counts from the watermarks). */
  produced: ProducedBatch[];
}

const DEFAULTS = { batchSize: 5000, gateChunk: 1000, concurrency: 3, keepInvalid: 100, maxUndecided: 50_000, processorStallMs: 5000 };
/** How often a batch waiting for the processor reads its watermarks. */
const BACKLOG_POLL_MS = 50;

/**
 * Reads every line, reserves and produces the grant's requests, and marks the grant uploaded.
 * `upload.progress` is updated as it goes (read it for a live display). Throws on the first
 * failure (nothing is left half-done that a re-run would not finish).
 */
export async function uploadGrant(lines: AsyncIterable<string>, deps: GrantDeps, options: GrantOptions, upload?: GrantUpload): Promise<GrantUpload> {
  const o = { ...DEFAULTS, ...options };
  o.batchSize = pacedBatchSize(o.batchSize, o.maxUsersPerSecond);
  const pace = o.maxUsersPerSecond === undefined ? undefined : new Pace(o.maxUsersPerSecond, Date.now());
  const { store, metrics } = deps;
  const state: GrantUpload = upload ?? startUpload(options);
  const progress = state.progress;
  const started = await store.start(o.grantId, o.couponId);
  const run: GrantRun = { eventIdOf: grantEventIds(o.couponId, o.grantId, started.eventIds), eventIds: started.eventIds, created: started.created };
  metrics?.running.inc();
  const parser = new UserLineParser();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  // The gate sees the batches in file order, so an uninterrupted run and a resumed one admit the
  // same users when the quantity runs out (first come, first served, by line); the roster too, so
  // a user repeated further down the file (in a later batch) is listed at its first line.
  const gateTurns = new Turns();
  const rosterTurns = new Turns();
  const backlog = new Backlog(o.maxUndecided, o.processorStallMs);
  const dispatch = async (batch: Map<number, number>): Promise<void> => {
    const wait = pace?.delayFor(batch.size, Date.now()) ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await awaitBacklog(state, deps, backlog, o.grantId);
    const turns: BatchTurns = { gate: gateTurns.next(), roster: rosterTurns.next() };
    const work = processBatch(batch, deps, o, run, state, turns)
      .catch((err: unknown) => void (failure ??= err))
      .finally(() => {
        turns.gate.done();
        turns.roster.done();
      });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
  };
  try {
    let batch = new Map<number, number>();
    for await (const text of lines) {
      if (failure) break;
      const line = ++progress.lines;
      const parsed = parser.parse(text);
      if (parsed.kind === 'skip') continue;
      if (parsed.kind === 'invalid') {
        progress.invalid++;
        metrics?.users.labels('invalid').inc();
        if (state.invalidLines.length < o.keepInvalid) state.invalidLines.push({ line, reason: parsed.reason });
        continue;
      }
      progress.users++;
      metrics?.users.labels('read').inc();
      if (!batch.has(parsed.userId)) batch.set(parsed.userId, line);
      if (batch.size >= o.batchSize) {
        await dispatch(batch);
        batch = new Map();
        await store.recordProgress(o.grantId, progress.lines, progress.invalid);
      }
    }
    if (!failure && batch.size > 0) await dispatch(batch);
    await Promise.all(inFlight);
    if (failure) throw failure;
    await store.recordProgress(o.grantId, progress.lines, progress.invalid, true);
    progress.uploadedAt = Date.now();
    deps.log.info({ grantId: o.grantId, couponId: o.couponId, ...progress }, 'grant uploaded');
    return state;
  } finally {
    metrics?.running.dec();
  }
}

export const startUpload = (options: Pick<GrantOptions, 'couponId' | 'grantId' | 'totalLines'>): GrantUpload => ({
  couponId: options.couponId,
  grantId: options.grantId,
  progress: newProgress(Date.now(), options.totalLines),
  invalidLines: [],
  produced: [],
});

/** The processor's watermark of each partition the batches went to (-1 before its first commit). */
async function readWatermarks(gate: Gate, produced: readonly ProducedBatch[]): Promise<Map<number, number>> {
  const watermarks = new Map<number, number>();
  for (const p of new Set(produced.map((b) => b.partition))) watermarks.set(p, (await withGateRetry(() => gate.watermark(p))) ?? -1);
  return watermarks;
}

/**
 * Waits until the next batch may enter the gate (Backlog). The bound spares the machine and a
 * sale on the coupon; it never fails a grant: a watermark Redis cannot give lets the batch go.
 */
async function awaitBacklog(state: GrantUpload, deps: GrantDeps, backlog: Backlog, grantId: string): Promise<void> {
  for (;;) {
    let decided: number;
    try {
      decided = decidedBelow(state.produced, await readWatermarks(deps.gate, state.produced));
    } catch (err) {
      deps.log.warn({ err, grantId }, "the processor's watermarks could not be read; the grant goes on without waiting for it");
      return;
    }
    const undecided = state.progress.produced - decided;
    const verdict = backlog.verdict({ undecided, decided, now: Date.now() });
    if (verdict === 'stalled') deps.log.warn({ grantId, undecided }, 'the processor decided none of the grant\'s requests for a while; the grant goes on without waiting for it (Kafka keeps them)');
    if (verdict !== 'wait') return;
    await new Promise((resolve) => setTimeout(resolve, BACKLOG_POLL_MS));
  }
}

/** What every batch of one run shares. */
interface GrantRun {
  eventIdOf: (userId: number) => string;
  /** How the grant's event ids are made (a 'grant-user' grant's holds name its code: Gate.reserveGrant). */
  eventIds: GrantEventIdScheme;
  /** The grant is new: no request of it can be decided yet (its event ids are its own), so the ledger is not asked. */
  created: boolean;
}

/** A batch's turns at the gate and at the roster: after the previous batch's, handing over to the next when done. */
interface BatchTurns {
  gate: Turn;
  roster: Turn;
}

async function processBatch(batch: Map<number, number>, deps: GrantDeps, o: GrantOptions & typeof DEFAULTS, run: GrantRun, state: GrantUpload, turns: BatchTurns): Promise<void> {
  const { gate, producer, store, metrics } = deps;
  const { couponId, grantId } = o;
  const progress = state.progress;
  const timed = async <T>(step: GrantBatchStep, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      metrics?.batchStep.labels(step).observe((performance.now() - started) / 1000);
    }
  };
  const atGate = <T>(step: () => Promise<T>): Promise<T> =>
    withGateRetry(step, { onRetry: (err, attempt) => deps.log.warn({ err, grantId, attempt }, 'a grant step at the gate failed; trying it again') });
  // Each user of the batch as its roster row (refused set if the gate refuses it).
  const entries: RosterEntry[] = [];
  for (const [userId, line] of batch) entries.push({ userId, line, eventId: run.eventIdOf(userId), refused: null });

  const decided = run.created ? new Map<string, DecidedRequest>() : await timed('ledger', () => store.decided(grantId, entries));
  const open = entries.filter((e) => !decided.has(e.eventId));
  await turns.gate.after;
  const now = Date.now();
  const outcomes = await timed('gate', async () => {
    try {
      const out = [];
      // A chunk retried after a timeout may have run: its users then answer HELD, and are produced.
      for (const chunk of chunksOf(open, o.gateChunk)) out.push(...(await atGate(() => gate.reserveGrant(couponId, grantId, chunk, now, run.eventIds))));
      return out;
    } finally {
      turns.gate.done();
    }
  });
  // The grant's coupon exists (GrantStore.start checked it), so its gate is missing, not the coupon.
  if (outcomes.includes('COUPON_NOT_FOUND')) {
    throw new GateNotOpenError(
      `coupon ${couponId}'s gate is not open (Redis lost it and the gateway's reconciler is rebuilding it, or \`npm run ops -- gate rebuild --coupon ${couponId}\` opens it): nobody was refused, run the grant again once it is open`,
    );
  }
  const toProduce: RosterEntry[] = [];
  const roster: RosterEntry[] = [];
  for (const e of entries) if (decided.get(e.eventId)?.listed === false) roster.push(e);
  open.forEach((e, i) => {
    const outcome = outcomes[i]!;
    if (outcome === 'RESERVED' || outcome === 'HELD') toProduce.push(e);
    else e.refused = outcome;
    roster.push(e);
  });
  await turns.roster.after;
  await timed('roster', () => store.addUsers(grantId, roster));
  turns.roster.done();

  const produced = await timed('produce', () => producer.sendAll(toProduce.map((e) => ({ eventId: e.eventId, couponId, userId: e.userId, requestedAt: now, grant: grantId }))));
  await timed('confirm', async () => {
    for (const chunk of chunksOf(toProduce, o.gateChunk)) await atGate(() => gate.settleHolds(couponId, grantId, chunk, run.eventIds));
    // A run killed between produce and confirm left the holds of requests decided since.
    for (const chunk of chunksOf(entries.filter((e) => decided.has(e.eventId)), o.gateChunk)) await atGate(() => gate.dropHolds(couponId, grantId, chunk));
  });
  if (produced) state.produced.push(produced);

  const count = (stage: GrantUserStage, n: number): void => void metrics?.users.labels(stage).inc(n);
  const reserved = outcomes.filter((x) => x === 'RESERVED').length;
  const held = outcomes.filter((x) => x === 'HELD').length;
  progress.alreadyDecided += decided.size;
  progress.decided += decided.size;
  progress.reserved += reserved;
  progress.held += held;
  progress.refused += open.length - toProduce.length;
  progress.produced += toProduce.length;
  count('already_decided', decided.size);
  count('reserved', reserved);
  count('held', held);
  count('refused', open.length - toProduce.length);
  count('produced', toProduce.length);
}

export interface AwaitOptions {
  /** Give up (the grant stays RUNNING) after this long. */
  timeoutMs: number;
  /** How often the watermarks are read (default 100 ms: a GET per partition, and the last decision is seen within it). */
  pollMs?: number;
  /** How long the watermarks may stand still before the ledger is asked anyway, in case they lag (default 10 s; settleDue). */
  settleEveryMs?: number;
  /** Called after every poll. */
  onPoll?: () => void;
}

/**
 * Waits until the processor has decided every produced request, tracking progress.decided from
 * the processor's watermarks (cheap), and settles the grant from the ledger (exact) once they
 * show everything decided, or once they stood still for settleEveryMs (settleDue). Returns the
 * settled grant (RUNNING if the timeout passed first).
 */
export async function awaitDecisions(upload: GrantUpload, deps: Pick<GrantDeps, 'gate' | 'store' | 'metrics'>, options: AwaitOptions): Promise<Grant> {
  const { progress, produced } = upload;
  const deadline = Date.now() + options.timeoutMs;
  let lastSettle = Date.now();
  let lastAdvance = lastSettle;
  let settledAllDecided = false;
  let settleMs = 0;
  let counted = progress.decided;
  for (;;) {
    const watermarks = await readWatermarks(deps.gate, produced);
    progress.decided = progress.alreadyDecided + decidedBelow(produced, watermarks);
    deps.metrics?.users.labels('decided').inc(Math.max(0, progress.decided - counted));
    if (progress.decided > counted) lastAdvance = Date.now();
    counted = Math.max(counted, progress.decided);
    options.onPoll?.();
    const allDecided = progress.decided >= progress.alreadyDecided + progress.produced;
    const due = settleDue({ now: Date.now(), allDecided, settledAllDecided, lastSettleAt: lastSettle, lastSettleMs: settleMs, lastAdvanceAt: lastAdvance }, options.settleEveryMs ?? 10_000);
    if (due || Date.now() >= deadline) {
      settledAllDecided ||= allDecided;
      const started = Date.now();
      const grant = await deps.store.settle(upload.grantId);
      lastSettle = Date.now();
      settleMs = lastSettle - started;
      // DONE: the ledger has every request's outcome, whatever watermark Redis still shows. Not at the
      // deadline: a progress line saying "decided" for requests the processor never reached misled.
      if (grant.status === 'DONE') progress.decided = progress.alreadyDecided + progress.produced;
      if (grant.status === 'DONE' || Date.now() >= deadline) return grant;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}
