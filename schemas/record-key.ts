/**
 * The key of every record about a coupon: its id as UTF-8 decimal text (`"21"`). Producers
 * partition by Java's murmur2 of these bytes, so all of a coupon's requests share one partition
 * and first-come-first-served is that partition's order (docs/architecture.md, "Contracts").
 */
export const recordKey = (couponId: number): string => String(couponId);
