/** Latency percentiles of a set of measurements (nearest-rank: every figure is a real sample). */

export interface LatencyStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The nearest-rank `p`-th percentile (0 < p <= 100) of ascending `sorted` values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** p50, p99 and max of `valuesMs`; null when there are none. */
export function latencyStats(valuesMs: Iterable<number>): LatencyStats | null {
  const sorted = Float64Array.from(valuesMs).sort();
  if (sorted.length === 0) return null;
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1]! };
}
