/** Latency figures of a set of measurements (nearest rank: every figure is a real sample). */
import { percentile } from '../bench/stats.ts';

export interface LatencyStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** p50, p99 and max of `valuesMs`; null when there are none. */
export function latencyStats(valuesMs: Iterable<number>): LatencyStats | null {
  const values = [...valuesMs];
  if (values.length === 0) return null;
  return { count: values.length, p50Ms: percentile(values, 0.5), p99Ms: percentile(values, 0.99), maxMs: percentile(values, 1) };
}
