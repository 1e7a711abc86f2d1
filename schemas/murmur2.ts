/**
 * Kafka's default partitioning of keyed records, as Java's producer (`Utils.murmur2`,
 * `Utils.toPositive`) and the gateway's client (`murmur2_random`) compute it. The contract puts
 * every request of a coupon on partition `partitionFor(key, count)`; the grant producer computes it
 * to produce there, the processor to find records a producer with another partitioner put elsewhere.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Java's `Utils.murmur2`: a signed 32-bit hash of the bytes. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail, falling through as Java's switch does.
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: the sign bit cleared (not Math.abs, which breaks on -2^31). */
export const toPositive = (n: number): number => n & 0x7fffffff;

/** The partition Kafka's default partitioner gives a keyed record. */
export function partitionFor(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  return toPositive(murmur2(key)) % partitions;
}
