/**
 * A bulk grant's per-user result (`grant show --outcomes`, one CSV row per distinct user in line
 * order) read back, and judged against what the file asked for and the committed output records:
 * first come, first served by line up to the quantity, and exactly one committed record for every
 * user whose request was produced, none for a user the gate refused.
 */
import fs from 'node:fs';
import type { CommittedOutputs } from './invariants.ts';

export const GRANT_RESULT_HEADER = 'user_id,line,result,reason,user_coupon_id,event_id,decided_at';

export interface UserResult {
  userId: number;
  line: number;
  result: string;
  reason: string;
  userCouponId: string;
  eventId: string;
}

/** The per-user result CSV (its values have no commas or quotes). */
export function readGrantResults(file: string): UserResult[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  if (header !== GRANT_RESULT_HEADER) throw new Error(`unexpected header ${header}`);
  return rows.map((row) => {
    const [userId, line, result, reason, userCouponId, eventId] = row.split(',');
    return { userId: Number(userId), line: Number(line), result: result!, reason: reason!, userCouponId: userCouponId!, eventId: eventId! };
  });
}

/** What a grant's file asked for: its distinct valid users in line order, and the units the grant may take (all of them if unbounded). */
export interface GrantExpectation {
  users: readonly number[];
  /** Units left for the grant: the first `quantity` users are issued, the rest refused SOLD_OUT. */
  quantity: number;
}

const MAX_LISTED = 5;

/** Every way the result departs from the expectation and the committed records (empty when it holds). */
export function grantResultProblems(expected: GrantExpectation, results: readonly UserResult[], outputs: CommittedOutputs): string[] {
  const problems: string[] = [];
  const listed = (what: string, items: readonly unknown[]): void => {
    if (items.length > 0) problems.push(`${what}: ${items.length} (${items.slice(0, MAX_LISTED).join(', ')}${items.length > MAX_LISTED ? ', ...' : ''})`);
  };
  const order = results.map((r) => r.userId);
  if (order.length !== expected.users.length || order.some((u, i) => u !== expected.users[i])) {
    problems.push(`the result lists ${order.length} users, not the file's ${expected.users.length} distinct users in line order`);
  }
  const issued = new Map<string, number>();
  const issuedRecords = new Map(outputs.issued.map((r) => [r.eventId, r]));
  for (const r of outputs.issued) issued.set(r.eventId, (issued.get(r.eventId) ?? 0) + 1);
  const rejected = new Set(outputs.rejected.map((r) => r.eventId));
  const wrongOutcome: string[] = [];
  const withoutRecord: string[] = [];
  const doubled: string[] = [];
  const mismatched: string[] = [];
  const refusedButProduced: string[] = [];
  results.forEach((r, i) => {
    const want = i < expected.quantity ? 'ISSUED' : 'REFUSED SOLD_OUT';
    const got = r.result === 'ISSUED' ? 'ISSUED' : `${r.result} ${r.reason}`;
    if (got !== want) wrongOutcome.push(`user ${r.userId} ${got}, expected ${want}`);
    const records = issued.get(r.eventId) ?? 0;
    if (r.result === 'REFUSED') {
      if (records > 0 || rejected.has(r.eventId)) refusedButProduced.push(`user ${r.userId}`);
      return;
    }
    if (records === 0 && !rejected.has(r.eventId)) withoutRecord.push(`user ${r.userId}`);
    if (records > 1 || (records === 1 && rejected.has(r.eventId))) doubled.push(`user ${r.userId}`);
    const record = issuedRecords.get(r.eventId);
    if (r.result === 'ISSUED' && record && (record.userId !== r.userId || String(record.userCouponId) !== r.userCouponId)) mismatched.push(`user ${r.userId}`);
  });
  listed('not first come, first served by line', wrongOutcome);
  listed('decided without a committed output record', withoutRecord);
  listed('more than one committed output record', doubled);
  listed('a coupon-issued record that names another user or user coupon', mismatched);
  listed('refused at the gate yet a committed output record', refusedButProduced);
  return problems;
}
