/**
 * A closed loop's rate is its connections divided by each request's latency: more connections
 * take more from a server until its latency grows as fast. The capacity of a server is the
 * highest rate it keeps while its latency stays within a bound — the bench loads the gateway at a
 * few connection counts and reports the load that says so.
 */

export interface LoadStep {
  concurrency: number;
  rps: number;
  p99_ms: number;
}

/**
 * The step with the highest rate among those whose p99 is within `p99BoundMs`; when none is, the
 * step with the lowest p99 (the bound missed at every load: that step says by how little).
 */
export function capacityStep<S extends LoadStep>(steps: readonly S[], p99BoundMs: number): S {
  if (steps.length === 0) throw new RangeError('no load step to choose from');
  const within = steps.filter((s) => s.p99_ms <= p99BoundMs);
  if (within.length > 0) return within.reduce((best, s) => (s.rps > best.rps ? s : best));
  return steps.reduce((best, s) => (s.p99_ms < best.p99_ms ? s : best));
}
