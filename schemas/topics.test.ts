import { describe, expect, it } from 'vitest';
import { TOPICS, topicSpecs, valueSubject } from './topics.ts';

const DAY_MS = 86_400_000;

describe('topicSpecs()', () => {
  it('covers the four topics with the documented partitions and retention', () => {
    expect(topicSpecs()).toEqual([
      { name: TOPICS.requests, partitions: 6, retentionMs: 7 * DAY_MS },
      { name: TOPICS.issued, partitions: 6, retentionMs: 7 * DAY_MS },
      { name: TOPICS.rejected, partitions: 6, retentionMs: 7 * DAY_MS },
      { name: TOPICS.dlq, partitions: 1, retentionMs: 30 * DAY_MS },
    ]);
  });

  it('gives the output topics as many partitions as the requests topic', () => {
    const specs = topicSpecs(12);
    expect(specs.filter((s) => s.name !== TOPICS.dlq).map((s) => s.partitions)).toEqual([12, 12, 12]);
  });
});

describe('valueSubject()', () => {
  it('follows the TopicNameStrategy', () => {
    expect(valueSubject(TOPICS.requests)).toBe('coupon-issue-requests-value');
  });
});
