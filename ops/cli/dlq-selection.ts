/**
 * Which dead letters a DLQ command works on: positions and ranges named on the command line, or
 * `all`, narrowed by --since / --cause / --coupon; and which causes a replay cannot cure.
 */
import type { DecodeErrorType } from '../../schemas/errors.ts';
import { parsePosition } from '../../schemas/headers.ts';
import { UsageError } from './args.ts';

/**
 * The record's own bytes are wrong: re-producing them yields the same dead letter. Other causes
 * (an unknown schema id that the registry may know by now, a field rule or a Postgres refusal that
 * may since have been fixed) can succeed on a replay.
 */
export const PERMANENT_CAUSES: ReadonlySet<string> = new Set<DecodeErrorType>(['MISSING_VALUE', 'WRONG_MAGIC_BYTE', 'MALFORMED_BODY', 'UNEXPECTED_SCHEMA']);

export const isPermanent = (errorType: string): boolean => PERMANENT_CAUSES.has(errorType);

/** Inclusive offset range of one partition. */
export interface OffsetRange {
  partition: number;
  from: number;
  to: number;
}

export type Selection = { kind: 'all' } | { kind: 'ranges'; ranges: OffsetRange[] };

export const SELECTION_HELP = '`all`, or one or more `<partition>:<offset>` / `<partition>:<from>-<to>` (inclusive), e.g. 0:17 0:20-25';

export function parseSelection(tokens: string[]): Selection {
  if (tokens.length === 1 && tokens[0] === 'all') return { kind: 'all' };
  const ranges = tokens.map((token): OffsetRange => {
    const range = /^(\d+):(\d+)-(\d+)$/.exec(token);
    if (range) {
      const [from, to] = [parsePosition(`${range[1]}:${range[2]}`), parsePosition(`${range[1]}:${range[3]}`)];
      if (from && to && from.offset <= to.offset) return { partition: from.partition, from: from.offset, to: to.offset };
    }
    const one = parsePosition(token);
    if (one) return { partition: one.partition, from: one.offset, to: one.offset };
    throw new UsageError(`bad selection "${token}": expected ${SELECTION_HELP}`);
  });
  return { kind: 'ranges', ranges };
}

export const isSelected = (selection: Selection, partition: number, offset: number): boolean =>
  selection.kind === 'all' || selection.ranges.some((r) => r.partition === partition && offset >= r.from && offset <= r.to);

/** Per partition, where to start and stop (exclusive) reading to see every selected record; undefined for all. */
export function readBounds(selection: Selection): { from: Map<number, number>; until: Map<number, number> } | undefined {
  if (selection.kind === 'all') return undefined;
  const from = new Map<number, number>();
  const until = new Map<number, number>();
  for (const r of selection.ranges) {
    from.set(r.partition, Math.min(from.get(r.partition) ?? Infinity, r.from));
    until.set(r.partition, Math.max(until.get(r.partition) ?? 0, r.to + 1));
  }
  return { from, until };
}

/** Single positions named on the command line (not ranges): each must exist, or the command fails. */
export const namedPositions = (selection: Selection): OffsetRange[] => (selection.kind === 'all' ? [] : selection.ranges.filter((r) => r.from === r.to));

export interface DeadLetterFilter {
  /** Epoch ms: only dead letters that failed at or after this. */
  since?: number;
  cause?: string;
  coupon?: number;
}

/** What the filter looks at in a dead letter. */
export interface Filterable {
  failedAt: number;
  errorType: string | null;
  couponId: number | null;
}

export const matchesFilter = (d: Filterable, f: DeadLetterFilter): boolean =>
  (f.since === undefined || d.failedAt >= f.since) && (f.cause === undefined || d.errorType === f.cause) && (f.coupon === undefined || d.couponId === f.coupon);

/** A coupon id option: a positive whole number. */
export function parseCouponId(raw: string, option = '--coupon'): number {
  const id = /^\d{1,16}$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`${option} takes a coupon id (a positive whole number), got "${raw}"`);
  return id;
}

/** A --cause value: an error type as the processor writes them (upper case, underscores). */
export function parseCause(raw: string): string {
  const cause = raw.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9_]*$/.test(cause)) throw new UsageError(`--cause takes an error type such as UNPROCESSABLE or WRONG_MAGIC_BYTE, got "${raw}"`);
  return cause;
}
