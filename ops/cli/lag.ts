/** `lag`: how far the processor group is behind on the requests topic, and how old its oldest pending request is. */
import type { CommandResult } from './args.ts';
import type { OpsCommand, OpsContext } from './context.ts';
import type { PartitionPosition } from '../../platform/group-positions.ts';
import { renderTable } from './table.ts';
import { formatDuration, formatTime } from './time.ts';

export interface PartitionLag extends PartitionPosition {
  lag: number;
  /** The first committed record above the group's position: the oldest pending request. */
  oldestPendingOffset: number | null;
  oldestPendingAt: number | null;
}

export interface LagReport {
  group: string;
  topic: string;
  at: number;
  totalLag: number;
  /** Age of the oldest pending request over all partitions, null when nothing is pending. */
  oldestPendingAgeMs: number | null;
  partitions: PartitionLag[];
}

export function lagReport(group: string, topic: string, partitions: PartitionLag[], at: number): LagReport {
  const oldest = partitions.reduce<number | null>((min, p) => (p.oldestPendingAt !== null && (min === null || p.oldestPendingAt < min) ? p.oldestPendingAt : min), null);
  return { group, topic, at, totalLag: partitions.reduce((n, p) => n + p.lag, 0), oldestPendingAgeMs: oldest === null ? null : Math.max(0, at - oldest), partitions };
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
  ]);
  const noGroup = report.partitions.every((p) => p.committed === null) ? `\n(group ${report.group} has no committed offsets: everything retained counts as pending)` : '';
  const oldest =
    report.oldestPendingAgeMs !== null
      ? `oldest pending request ${formatDuration(report.oldestPendingAgeMs)} old`
      : report.totalLag > 0
        ? 'nothing pending (the offsets above the committed ones hold only transaction markers or aborted records)'
        : 'nothing pending';
  return `group ${report.group} on ${report.topic}: lag ${report.totalLag.toLocaleString('en-US')}, ${oldest}\n\n${table}${noGroup}`;
}

async function run(ctx: OpsContext): Promise<CommandResult> {
  const [{ readPendingRequests, lagOf }, { TOPICS }] = await Promise.all([import('./pending.ts'), import('../../schemas/topics.ts')]);
  const { processorGroupId: group, kafkaBrokers, kafka } = ctx.config();
  const positions = await ctx.step(`reading the offsets of group ${group} from Kafka (${kafkaBrokers})`, () => ctx.processorPositions());
  const behind = positions.filter((p) => lagOf(p) > 0);
  // Only the first record above each position is needed (markers and aborted records skipped).
  const firsts = await ctx.step('reading the oldest pending requests', () => readPendingRequests(behind, () => true, { perPartition: 1, kafka }));
  const first = new Map(firsts.map((r) => [r.partition, r]));
  const partitions = positions.map((p): PartitionLag => {
    const r = first.get(p.partition);
    return { ...p, lag: lagOf(p), oldestPendingOffset: r?.offset ?? null, oldestPendingAt: r?.timestamp ?? null };
  });
  const report = lagReport(group, TOPICS.requests, partitions, Date.now());
  return { data: report, text: renderLag(report) };
}

export const lagCommand: OpsCommand = {
  name: 'lag',
  summary: 'per-partition lag of the processor group and the age of its oldest pending request',
  description:
    'Lag is the log end (last stable offset) minus the group\'s committed offset; the oldest pending request is the first\n' +
    'committed record above the committed offset, aged by its record timestamp. The group is PROCESSOR_GROUP_ID.',
  run,
};
