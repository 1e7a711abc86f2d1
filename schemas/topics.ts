/** Topic names and their provisioning settings (docs/architecture.md, "Contracts"). */
export const TOPICS = {
  requests: 'coupon-issue-requests',
  issued: 'coupon-issued',
  rejected: 'coupon-issue-rejected',
  dlq: 'coupon-issue-dlq',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  retentionMs: number;
}

export function topicSpecs(requestPartitions = 6): TopicSpec[] {
  return [
    { name: TOPICS.requests, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: TOPICS.issued, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: TOPICS.rejected, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: TOPICS.dlq, partitions: 1, retentionMs: 30 * DAY_MS },
  ];
}

/** TopicNameStrategy: the value subject of a topic. */
export const valueSubject = (topic: string): string => `${topic}-value`;
