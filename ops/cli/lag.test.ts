import { describe, expect, it } from 'vitest';
import { lagReport, partitionOwners, renderLag, type PartitionLag } from './lag.ts';

const AT = Date.parse('2026-03-01T12:00:00Z');
const partition = (p: Partial<PartitionLag> & { partition: number }): PartitionLag => ({
  logStart: 0,
  logEnd: 0,
  committed: 0,
  lag: 0,
  owner: null,
  oldestPendingOffset: null,
  oldestPendingAt: null,
  ...p,
});

describe('lagReport', () => {
  it('sums the lag and ages the oldest pending request of all partitions', () => {
    const report = lagReport('g', 't', [
      partition({ partition: 0, logEnd: 10, committed: 7, lag: 3, oldestPendingOffset: 7, oldestPendingAt: AT - 5_000 }),
      partition({ partition: 1, logEnd: 4, committed: 2, lag: 2, oldestPendingOffset: 2, oldestPendingAt: AT - 65_000 }),
      partition({ partition: 2, logEnd: 9, committed: 9 }),
    ], AT);
    expect(report).toMatchObject({ totalLag: 5, oldestPendingAgeMs: 65_000 });
  });

  it('has no age when nothing is pending', () => {
    expect(lagReport('g', 't', [partition({ partition: 0 })], AT).oldestPendingAgeMs).toBeNull();
  });
});

describe('renderLag', () => {
  it('is a headline and a table per partition', () => {
    const report = lagReport('coupon-processor', 'coupon-issue-requests', [
      partition({ partition: 0, logEnd: 1500, committed: 300, lag: 1200, oldestPendingOffset: 300, oldestPendingAt: AT - 4_200, owner: 'p1' }),
      partition({ partition: 1, logEnd: 80, committed: 80 }),
    ], AT);
    expect(renderLag(report)).toBe(
      [
        'group coupon-processor on coupon-issue-requests: lag 1,200, oldest pending request 4.2 s old',
        '',
        'PARTITION  COMMITTED  LOG END    LAG  OLDEST PENDING        AGE    OWNER',
        '        0        300     1500  1,200  2026-03-01T11:59:55Z  4.2 s  p1',
        '        1         80       80      0  -                     -      NONE',
      ].join('\n'),
    );
  });

  it('names the partitions that have lag and no owner', () => {
    const report = lagReport('g', 't', [
      partition({ partition: 0, committed: 7, logEnd: 9, lag: 2, owner: 'p1' }),
      partition({ partition: 1, committed: 7, logEnd: 9, lag: 2 }),
      partition({ partition: 2 }),
      partition({ partition: 3, committed: 1, logEnd: 9, lag: 8 }),
    ], AT);
    expect(renderLag(report)).toMatch(/\n\(partitions 1, 3 have lag and no owner: no processor will read them until the group rebalances\)$/);
  });

  it('says the owners are unknown when the group could not be described, and names no partition ownerless', () => {
    const report = lagReport('g', 't', [partition({ partition: 0, committed: 7, logEnd: 9, lag: 2 })], AT, false);
    const text = renderLag(report);
    expect(text).toMatch(/\n\(the group's members could not be read: owners unknown\)$/);
    expect(text).not.toMatch(/no owner/);
    expect(text.split('\n')[3]).toMatch(/ \?$/);
  });
});

describe('partitionOwners', () => {
  it("maps each partition of the topic to its member's instance id, else its client id", () => {
    const member = (groupInstanceId: string | undefined, clientId: string, partitions: Array<[string, number]>) =>
      ({ groupInstanceId, clientId, memberId: `${clientId}-m`, clientHost: 'h', memberAssignment: null, memberMetadata: null, assignment: { topicPartitions: partitions.map(([topic, partition]) => ({ topic, partition })) } }) as Parameters<typeof partitionOwners>[0][number];
    const owners = partitionOwners([member('p1', 'c1', [['t', 0], ['t', 2], ['other', 1]]), member(undefined, 'c2', [['t', 1]])], 't');
    expect([...owners].sort()).toEqual([[0, 'p1'], [1, 'c2'], [2, 'p1']]);
  });

  it('says when what lies above the committed offsets is no request at all', () => {
    const report = lagReport('g', 't', [partition({ partition: 0, committed: 7, logEnd: 9, lag: 2 })], AT);
    expect(renderLag(report)).toMatch(/^group g on t: lag 2, nothing pending \(the offsets above the committed ones hold only transaction markers or aborted records\)\n/);
  });

  it('says when the group has not committed anything', () => {
    const report = lagReport('fresh', 't', [partition({ partition: 0, committed: null, logEnd: 3, lag: 3, oldestPendingOffset: 0, oldestPendingAt: AT })], AT);
    expect(renderLag(report)).toMatch(/group fresh has no committed offsets/);
  });
});
