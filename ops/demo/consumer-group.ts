/**
 * The demo processor's own consumer group on the run's own requests topic (a topic set of its
 * own, see main.ts), created at the topic's current end before the processor starts, so it reads
 * exactly the records produced from then on. The group cannot be deleted at the end: the
 * processor is a static member (group.instance.id), which does not leave on close, so the group
 * stays non-empty for a session timeout. The broker expires its offsets in due course
 * (offsets.retention.minutes).
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaJsClient, type KafkaConnection } from '../../platform/kafka-config.ts';
import { waitFor } from '../run/wait-for.ts';
import { resetGroupToEnd } from '../verify/group-offsets.ts';

export class DemoGroup {
  private constructor(
    readonly groupId: string,
    private readonly requestsTopic: string,
    private readonly admin: KafkaJS.Admin,
  ) {}

  /** Creates the group at the end of `requestsTopic`; call before its processor starts. */
  static async create(kafka: KafkaConnection, groupId: string, requestsTopic: string): Promise<DemoGroup> {
    await resetGroupToEnd(kafka, groupId, requestsTopic);
    const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.NOTHING }).admin();
    await admin.connect();
    return new DemoGroup(groupId, requestsTopic, admin);
  }

  /**
   * Resolves once the group is stable and its members hold every partition of the requests topic:
   * starting the sale before that would count the group's join in the first requests' end-to-end times.
   */
  async assigned(timeoutMs: number, giveUp: () => string | undefined): Promise<void> {
    const [topic] = await this.admin.fetchTopicMetadata({ topics: [this.requestsTopic] });
    const partitions = topic?.partitions.length ?? 0;
    await waitFor(
      async () => {
        const { groups } = await this.admin.describeGroups([this.groupId]);
        const group = groups[0];
        if (group?.state !== KafkaJS.ConsumerGroupStates.STABLE) return false;
        const held = group.members.reduce((n, m) => n + m.assignment.topicPartitions.filter((tp) => tp.topic === this.requestsTopic).length, 0);
        return held === partitions;
      },
      timeoutMs,
      200,
      giveUp,
    );
  }

  /**
   * Other consumer groups reading the requests topic right now. Their processors decide the demo's
   * requests too and commit output records of their own, which I3 rightly counts as duplicates:
   * the demo names them so that a broken I3 on a shared machine can be told from a real fault.
   */
  async otherReaders(): Promise<string[]> {
    const { STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE } = KafkaJS.ConsumerGroupStates;
    const { groups } = await this.admin.listGroups({ matchConsumerGroupStates: [STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE] });
    const others = groups.map((g) => g.groupId).filter((id) => id !== this.groupId);
    if (others.length === 0) return [];
    const described = await this.admin.describeGroups(others);
    return described.groups
      .filter((g) => g.members.some((m) => m.assignment.topicPartitions.some((tp) => tp.topic === this.requestsTopic)))
      .map((g) => g.groupId)
      .sort();
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}
