/**
 * A grant's progress (pure): the counters an upload keeps, how many of its produced requests the
 * processor has decided (from its per-partition watermarks), and the progress line with rates and ETA.
 */

export interface GrantProgress {
  /** Lines read (blank ones and a header included). */
  lines: number;
  /** Lines of the input, when known beforehand (a file, a spooled upload): what the ETA needs. */
  totalLines?: number;
  /** Valid user lines (before de-duplication across batches). */
  users: number;
  invalid: number;
  /** Users whose request of this grant the ledger had already decided: nothing to do. */
  alreadyDecided: number;
  reserved: number;
  /** At the gate already, held by this same request (a resumed run): produced again. */
  held: number;
  refused: number;
  produced: number;
  /** alreadyDecided + produced requests the processor has committed. */
  decided: number;
  startedAt: number;
  /** When every line was read and produced. */
  uploadedAt?: number;
}

/** A produced batch: the highest offset it reached in its partition, and how many records it had. */
export interface ProducedBatch {
  partition: number;
  offset: number;
  count: number;
}

export const newProgress = (startedAt: number, totalLines?: number): GrantProgress => ({
  lines: 0,
  totalLines,
  users: 0,
  invalid: 0,
  alreadyDecided: 0,
  reserved: 0,
  held: 0,
  refused: 0,
  produced: 0,
  decided: 0,
  startedAt,
});

/** Produced records at or below their partition's watermark (the processor's last committed offset). */
export function decidedBelow(batches: readonly ProducedBatch[], watermarks: ReadonlyMap<number, number>): number {
  let decided = 0;
  for (const b of batches) if (b.offset <= (watermarks.get(b.partition) ?? -1)) decided += b.count;
  return decided;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.ceil(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * `read 120,000/1,000,000 (0 invalid), reserved 119,000, produced 119,000, decided 80,000 | 40,000 users/s, ETA 22s`.
 * The ETA is the reading's while lines remain (when their total is known), then the decisions'.
 */
export function progressLine(p: GrantProgress, now: number): string {
  const seconds = Math.max(0.001, (now - p.startedAt) / 1000);
  const read = p.totalLines === undefined ? fmt(p.lines) : `${fmt(p.lines)}/${fmt(p.totalLines)}`;
  const parts = [
    `read ${read} (${fmt(p.invalid)} invalid)`,
    `reserved ${fmt(p.reserved + p.held)}`,
    p.refused > 0 ? `refused ${fmt(p.refused)}` : undefined,
    `produced ${fmt(p.produced)}`,
    `decided ${fmt(p.decided)}${p.alreadyDecided > 0 ? ` (${fmt(p.alreadyDecided)} before)` : ''}`,
  ].filter((x) => x !== undefined);
  const rate = p.users / seconds;
  let left: number;
  if (p.uploadedAt === undefined) left = p.totalLines === undefined ? NaN : (p.totalLines - p.lines) / (p.lines / seconds) + (p.produced - (p.decided - p.alreadyDecided)) / Math.max(1, rate);
  else left = (p.produced + p.alreadyDecided - p.decided) / Math.max(1, (p.decided - p.alreadyDecided) / seconds);
  return `${parts.join(', ')} | ${fmt(rate)} users/s, ETA ${eta(left)}`;
}

/** What the wait for a grant's decisions knows when it asks whether to settle from the ledger (all epoch ms). */
export interface SettleClock {
  now: number;
  /** The watermarks show every produced request decided. */
  allDecided: boolean;
  /** The ledger was asked once since they showed that. */
  settledAllDecided: boolean;
  lastSettleAt: number;
  /** How long the last settle took. */
  lastSettleMs: number;
  /** When the watermarks last showed more decided (or the wait began). */
  lastAdvanceAt: number;
}

/** How long after the watermarks first showed everything decided the ledger is asked again, if it still had pending users. */
export const RESETTLE_MS = 5000;

/**
 * Whether to settle the grant from the ledger now. Settling counts the grant's outcomes in the
 * ledger (Postgres time taken from the processor deciding the grant: about a second per 300,000
 * users when it counted the roster against the ledger, 0.15 s per million since it counts only the
 * ledger's rows of the grant), so it is done when the watermarks show everything decided, and
 * otherwise only when they stopped moving for `everyMs` (they may lag: the processor publishes
 * them to Redis after each commit), and at least four times the last settle's duration apart.
 */
export function settleDue(c: SettleClock, everyMs: number): boolean {
  if (c.allDecided) return !c.settledAllDecided || c.now - c.lastSettleAt >= RESETTLE_MS;
  return c.now - c.lastAdvanceAt >= everyMs && c.now - c.lastSettleAt >= Math.max(everyMs, 4 * c.lastSettleMs);
}
