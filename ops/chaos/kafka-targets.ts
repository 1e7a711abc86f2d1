/**
 * Which broker to bounce: a partition leader of the requests topic, the transaction coordinator of
 * a processor's transactional id, the group coordinator of the processors' group, or any broker.
 * Coordinators are the leaders of the internal topics' partitions Kafka derives from the id.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';

/** Java's String.hashCode (UTF-16 code units, 32-bit overflow), which Kafka's coordinator lookup uses. */
export function javaHashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(id.hashCode()) % partitions: the internal-topic partition that holds `id`'s state. */
export function coordinatorPartition(id: string, partitions: number): number {
  return (javaHashCode(id) & 0x7fffffff) % partitions;
}

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

export type TargetKind = 'requests_leader' | 'transaction_coordinator' | 'group_coordinator' | 'any';

async function leaderOf(admin: KafkaJS.Admin, topic: string, partition: (count: number) => number): Promise<number> {
  const [meta] = await admin.fetchTopicMetadata({ topics: [topic], timeout: 10_000 });
  const partitions = meta?.partitions ?? [];
  if (partitions.length === 0) throw new Error(`no metadata for ${topic}`);
  const wanted = partition(partitions.length);
  const leader = partitions.find((p) => p.partitionId === wanted)?.leader;
  if (leader === undefined || leader < 0) throw new Error(`${topic}[${wanted}] has no leader`);
  return leader;
}

export interface TargetIds {
  requestsTopic: string;
  transactionalIds: readonly string[];
  groupId: string;
}

/** The node id (1-based) of the broker a bounce of `kind` hits; `pick` chooses among candidates. */
export async function targetBroker(admin: KafkaJS.Admin, kind: TargetKind, ids: TargetIds, brokers: number, pick: <T>(items: readonly T[]) => T): Promise<number> {
  switch (kind) {
    case 'requests_leader':
      return leaderOf(admin, ids.requestsTopic, (n) => pick(Array.from({ length: n }, (_, i) => i)));
    case 'transaction_coordinator': {
      const id = pick(ids.transactionalIds);
      return leaderOf(admin, TRANSACTION_STATE_TOPIC, (n) => coordinatorPartition(id, n));
    }
    case 'group_coordinator':
      return leaderOf(admin, CONSUMER_OFFSETS_TOPIC, (n) => coordinatorPartition(ids.groupId, n));
    case 'any':
      return pick(Array.from({ length: brokers }, (_, i) => i + 1));
  }
}

/** Partitions of `topics` whose in-sync replica set is smaller than their replica set. */
export async function underReplicated(admin: KafkaJS.Admin, topics: readonly string[]): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [...topics], timeout: 10_000 });
  return meta.flatMap((t) => t.partitions).filter((p) => p.leader < 0 || p.isr.length < p.replicas.length).length;
}
