/** The prefix of the topics the bench's gateway and processors use on the stack's broker (ops/provision/topic-set.ts). */
export const BENCH_TOPIC_PREFIX = 'bench.';
