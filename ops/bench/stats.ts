/** Pure statistics of the benchmarks: percentiles of latencies and steady-state rates of a drain. */

/**
 * The q-quantile (0..1) of `values` by the nearest-rank method: the smallest value with at least
 * q·n values at or below it, so p99 of 100 samples is the 99th smallest. NaN for no values.
 */
export function percentile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside 0..1`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/** One reading of a monotonic progress counter. */
export interface ProgressSample {
  /** Epoch milliseconds. */
  at: number;
  done: number;
}

export interface SteadyRate {
  /** Units per second. */
  perSecond: number;
  /** True when measured between the two fractions of the total; false for the whole-run fallback. */
  steady: boolean;
  /** The units and seconds the rate was measured over. */
  units: number;
  seconds: number;
}

/**
 * The rate between the first sample that reached `from`·total and the first that reached
 * `to`·total: start-up (group join, first fetch) and the tail (the last partial batches) stay
 * out. When the samples cannot resolve that window (a small input done in one or two steps), it
 * falls back to total / (last sample − `startedAt`) and says so (steady = false).
 */
export function steadyRate(samples: readonly ProgressSample[], total: number, startedAt: number, from = 0.1, to = 0.9): SteadyRate {
  if (total <= 0) throw new RangeError('total must be positive');
  const first = samples.find((s) => s.done >= from * total);
  const last = samples.find((s) => s.done >= to * total);
  if (first && last && last.at > first.at && last.done > first.done) {
    const seconds = (last.at - first.at) / 1000;
    return { perSecond: (last.done - first.done) / seconds, steady: true, units: last.done - first.done, seconds };
  }
  const end = samples.find((s) => s.done >= total);
  if (!end || end.at <= startedAt) throw new RangeError('the samples never reach the total after the start');
  const seconds = (end.at - startedAt) / 1000;
  return { perSecond: total / seconds, steady: false, units: total, seconds };
}

/** Rounds for the JSON result: figures are measured to a few significant digits at best. */
export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
