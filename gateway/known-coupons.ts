/**
 * Whether a coupon the gate does not know exists all the same: its gate is missing because Redis
 * lost it (until the reconciler rebuilds it) or because priming failed at creation. Such a coupon
 * answers 503 GATE_NOT_OPEN, not 404: the coupon exists and will take requests, and a client told
 * "not found" would stop asking. A coupon, once created, is never deleted, so each one found is
 * kept; an unknown id is asked about every time (a primary-key lookup, behind the rate limits).
 */
export class KnownCoupons {
  private readonly known = new Set<number>();

  constructor(
    private readonly exists: (couponId: number) => Promise<boolean>,
    /** Ids kept at most (then the set starts over): bounds the memory whatever the ids asked about. */
    private readonly maxKept = 100_000,
  ) {}

  async has(couponId: number): Promise<boolean> {
    if (this.known.has(couponId)) return true;
    if (!(await this.exists(couponId))) return false;
    if (this.known.size >= this.maxKept) this.known.clear();
    this.known.add(couponId);
    return true;
  }
}
