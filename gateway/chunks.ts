/** Cutting a list into consecutive runs of at most a given size: the gate's batches of a grant, the reconciler's pipelined chunks. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Cutting a list into consecutive runs of at most `maxCount` items weighing at most `maxWeight`
 * together; an item heavier than that alone is a run of its own. The reconciler's coupons, whose
 * evidence is read a run at a time: a few large coupons (a million users each) read together
 * took more memory than the process had.
 */
export function chunksByWeight<T>(items: readonly T[], weightOf: (item: T) => number, maxWeight: number, maxCount: number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let weight = 0;
  for (const item of items) {
    const w = weightOf(item);
    if (run.length > 0 && (run.length >= maxCount || weight + w > maxWeight)) {
      out.push(run);
      run = [];
      weight = 0;
    }
    run.push(item);
    weight += w;
  }
  if (run.length > 0) out.push(run);
  return out;
}
