/**
 * A grant's per-user results summed up (pure): from the counts of result keys the store reads
 * (`ISSUED`, `REJECTED:<reason>`, `FAILED`, `REFUSED:<reason>`, `PENDING`) to the counts the API,
 * the CLI and the grant row show, and whether the grant is done.
 */

export type GrantStatus = 'RUNNING' | 'DONE';

export interface GrantCounts {
  /** Distinct valid users of the grant. */
  users: number;
  issued: number;
  /** Decided by the processor without a coupon, by reason (ALREADY_ISSUED, SOLD_OUT, ...). */
  rejected: Record<string, number>;
  failed: number;
  /** Never produced: the gate refused them (ALREADY_REQUESTED, SOLD_OUT, COUPON_NOT_ACTIVE, ...). */
  refused: Record<string, number>;
  /** Produced, not yet decided. */
  pending: number;
}

export function grantCounts(resultCounts: ReadonlyArray<{ result: string; count: number }>): GrantCounts {
  const counts: GrantCounts = { users: 0, issued: 0, rejected: {}, failed: 0, refused: {}, pending: 0 };
  for (const { result, count } of resultCounts) {
    counts.users += count;
    const [kind, reason = 'UNKNOWN'] = result.split(':');
    if (kind === 'ISSUED') counts.issued += count;
    else if (kind === 'FAILED') counts.failed += count;
    else if (kind === 'PENDING') counts.pending += count;
    else if (kind === 'REJECTED') counts.rejected[reason] = (counts.rejected[reason] ?? 0) + count;
    else if (kind === 'REFUSED') counts.refused[reason] = (counts.refused[reason] ?? 0) + count;
    else throw new Error(`unknown grant result "${result}"`);
  }
  return counts;
}

/** DONE once every line was read and every produced request has its outcome. */
export const grantStatus = (uploaded: boolean, counts: GrantCounts): GrantStatus => (uploaded && counts.pending === 0 ? 'DONE' : 'RUNNING');
