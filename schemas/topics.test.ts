import { describe, expect, it } from 'vitest';
import { prefixedTopics, TOPICS, topicSpecs, valueSubject } from './topics.ts';

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

describe('prefixedTopics()', () => {
  it('puts every topic of a set under the prefix, and the specs follow the set', () => {
    const topics = prefixedTopics('bench-scale.');
    expect(Object.values(topics)).toEqual(['bench-scale.coupon-issue-requests', 'bench-scale.coupon-issued', 'bench-scale.coupon-issue-rejected', 'bench-scale.coupon-issue-dlq']);
    expect(topicSpecs(6, topics).map((s) => s.name)).toEqual(Object.values(topics));
    expect(valueSubject(topics.issued)).toBe('bench-scale.coupon-issued-value');
  });

  it('is the contract names without a prefix', () => {
    expect(prefixedTopics('')).toEqual(TOPICS);
  });
});

describe('valueSubject()', () => {
  it('follows the TopicNameStrategy', () => {
    expect(valueSubject(TOPICS.requests)).toBe('coupon-issue-requests-value');
  });
});
