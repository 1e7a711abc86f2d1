/** Topic names and their provisioning settings (docs/architecture.md, "Contracts"). */
const CONTRACT_TOPICS = {
  requests: 'coupon-issue-requests',
  issued: 'coupon-issued',
  rejected: 'coupon-issue-rejected',
  dlq: 'coupon-issue-dlq',
} as const;

export type Topics = typeof CONTRACT_TOPICS;

/**
 * Names a process's topics with a prefix (COUPON_TOPIC_PREFIX, unset in production): the bench's
 * scale scenario runs its processors on a topic set of their own. The types keep naming the
 * contract each topic carries; the values are what the brokers and the registry's subjects see.
 */
export const TOPIC_PREFIX_VARIABLE = 'COUPON_TOPIC_PREFIX';

export function prefixedTopics(prefix: string): Topics {
  return Object.fromEntries(Object.entries(CONTRACT_TOPICS).map(([role, name]) => [role, `${prefix}${name}`])) as unknown as Topics;
}

export const TOPICS = prefixedTopics(process.env[TOPIC_PREFIX_VARIABLE] ?? '');

export type TopicName = Topics[keyof Topics];

/** What the processor writes, in one transaction per unit, for the requests it consumes. */
export const outputTopics = (topics: Topics) => [topics.issued, topics.rejected, topics.dlq] as const;
export const OUTPUT_TOPICS = outputTopics(TOPICS);
export type OutputTopic = (typeof OUTPUT_TOPICS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  retentionMs: number;
}

export function topicSpecs(requestPartitions = 6, topics: Topics = TOPICS): TopicSpec[] {
  return [
    { name: topics.requests, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: topics.issued, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: topics.rejected, partitions: requestPartitions, retentionMs: 7 * DAY_MS },
    { name: topics.dlq, partitions: 1, retentionMs: 30 * DAY_MS },
  ];
}

/** TopicNameStrategy: the value subject of a topic. */
export const valueSubject = (topic: string): string => `${topic}-value`;
