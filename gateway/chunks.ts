/** Cutting a list into consecutive runs of at most a given size: the gate's batches of a grant, the reconciler's pipelined chunks. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
