/**
 * Queue position of a PENDING request (README, "API in one minute"): how many records of its
 * partition, itself included, the processor still has to commit before its answer is known.
 */

/**
 * `offset` is the request's record offset; `watermark` the highest offset of the same partition
 * the processor has committed (inclusive), undefined when it has published none. Never below 1:
 * a request that is already processed but whose status has not reached Redis yet is next in line.
 */
export function queuePosition(offset: number, watermark: number | undefined): number {
  return Math.max(1, offset - (watermark ?? -1));
}

/** An offset or partition as stored in Redis (decimal string), or undefined if absent or garbled. */
export function parseStoredInteger(raw: string | null | undefined): number | undefined {
  if (raw == null || raw === '') return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value >= -1 ? value : undefined;
}
