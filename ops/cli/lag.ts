/** `lag`: how far the processor group is behind on the requests topic, and how old its oldest pending request is. */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CommandResult } from './args.ts';
import type { OpsCommand, OpsContext } from './context.ts';
import type { PartitionPosition } from '../../platform/group-positions.ts';
import { renderTable } from './table.ts';
import { formatDuration, formatTime } from './time.ts';

export interface PartitionLag extends PartitionPosition {
  lag: number;
  /** The group member that owns the partition (its instance id, else its client id); null when none does. */
  owner: string | null;
  /** The first committed record above the group's position: the oldest pending request. */
  oldestPendingOffset: number | null;
  oldestPendingAt: number | null;
}

export interface LagReport {
  group: string;
  topic: string;
  at: number;
  /** False when the group's members could not be read: the owners are unknown, not absent. */
  ownersKnown: boolean;
  totalLag: number;
  /** Age of the oldest pending request over all partitions, null when nothing is pending. */
  oldestPendingAgeMs: number | null;
  partitions: PartitionLag[];
}

export function lagReport(group: string, topic: string, partitions: PartitionLag[], at: number, ownersKnown = true): LagReport {
  const oldest = partitions.reduce<number | null>((min, p) => (p.oldestPendingAt !== null && (min === null || p.oldestPendingAt < min) ? p.oldestPendingAt : min), null);
  return { group, topic, at, ownersKnown, totalLag: partitions.reduce((n, p) => n + p.lag, 0), oldestPendingAgeMs: oldest === null ? null : Math.max(0, at - oldest), partitions };
}

type GroupMember = KafkaJS.GroupDescriptions['groups'][number]['members'][number];

/** Partition → owning member, from a description of the group (members and their assignments). */
export function partitionOwners(members: readonly GroupMember[], topic: string): Map<number, string> {
  const owners = new Map<number, string>();
  for (const m of members) {
    for (const tp of m.assignment?.topicPartitions ?? []) if (tp.topic === topic) owners.set(tp.partition, m.groupInstanceId ?? m.clientId);
  }
  return owners;
}

export function renderLag(report: LagReport): string {
  const table = renderTable(report.partitions, [
    { header: 'PARTITION', value: (p) => p.partition },
    // Offsets without separators: they are copied into other commands.
    { header: 'COMMITTED', value: (p) => p.committed?.toString(), align: 'right' },
    { header: 'LOG END', value: (p) => String(p.logEnd), align: 'right' },
    { header: 'LAG', value: (p) => p.lag },
    { header: 'OLDEST PENDING', value: (p) => (p.oldestPendingAt === null ? null : formatTime(p.oldestPendingAt)) },
    { header: 'AGE', value: (p) => (p.oldestPendingAt === null ? null : formatDuration(report.at - p.oldestPendingAt)) },
    { header: 'OWNER', value: (p) => (report.ownersKnown ? (p.owner ?? 'NONE') : '?') },
  ]);
  const noGroup = report.partitions.every((p) => p.committed === null) ? `\n(group ${report.group} has no committed offsets: everything retained counts as pending)` : '';
  const orphans = report.ownersKnown ? report.partitions.filter((p) => p.lag > 0 && p.owner === null).map((p) => p.partition) : [];
  const [noun, verb, pronoun] = orphans.length > 1 ? ['partitions', 'have', 'them'] : ['partition', 'has', 'it'];
  const orphaned = orphans.length > 0 ? `\n(${noun} ${orphans.join(', ')} ${verb} lag and no owner: no processor will read ${pronoun} until the group rebalances)` : '';
  const unknownOwners = report.ownersKnown ? '' : '\n(the group\'s members could not be read: owners unknown)';
  const oldest =
    report.oldestPendingAgeMs !== null
      ? `oldest pending request ${formatDuration(report.oldestPendingAgeMs)} old`
      : report.totalLag > 0
        ? 'nothing pending (the offsets above the committed ones hold only transaction markers or aborted records)'
        : 'nothing pending';
  return `group ${report.group} on ${report.topic}: lag ${report.totalLag.toLocaleString('en-US')}, ${oldest}\n\n${table}${noGroup}${orphaned}${unknownOwners}`;
}

async function run(ctx: OpsContext): Promise<CommandResult> {
  const [{ readPendingRequests, lagOf }, { TOPICS }] = await Promise.all([import('./pending.ts'), import('../../schemas/topics.ts')]);
  const { processorGroupId: group, kafkaBrokers, kafka } = ctx.config();
  const positions = await ctx.step(`reading the offsets of group ${group} from Kafka (${kafkaBrokers})`, () => ctx.processorPositions());
  const behind = positions.filter((p) => lagOf(p) > 0);
  // Only the first record above each position is needed (markers and aborted records skipped).
  const firsts = await ctx.step('reading the oldest pending requests', () => readPendingRequests(behind, () => true, { perPartition: 1, kafka }));
  const first = new Map(firsts.map((r) => [r.partition, r]));
  // Owners are a diagnosis, not the report: without them the lag is still worth printing.
  const owners = await ctx
    .admin()
    .then(async (admin) => partitionOwners((await admin.describeGroups([group])).groups[0]?.members ?? [], TOPICS.requests))
    .catch(async (err: unknown) => void (await ctx.log()).warn({ err }, 'reading the group members failed'));
  const partitions = positions.map((p): PartitionLag => {
    const r = first.get(p.partition);
    return { ...p, lag: lagOf(p), owner: owners?.get(p.partition) ?? null, oldestPendingOffset: r?.offset ?? null, oldestPendingAt: r?.timestamp ?? null };
  });
  const report = lagReport(group, TOPICS.requests, partitions, Date.now(), owners !== undefined);
  return { data: report, text: renderLag(report) };
}

export const lagCommand: OpsCommand = {
  name: 'lag',
  summary: 'per-partition lag of the processor group and the age of its oldest pending request',
  description:
    'Lag is the log end (last stable offset) minus the group\'s committed offset; the oldest pending request is the first\n' +
    'committed record above the committed offset, aged by its record timestamp. OWNER is the group member the partition\n' +
    'is assigned to (its PROCESSOR_INSTANCE_ID); NONE with lag means no processor reads it. The group is PROCESSOR_GROUP_ID.',
  run,
};
