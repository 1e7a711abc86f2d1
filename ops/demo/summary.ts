/**
 * The demo's summary: the numbers (pure functions of what the sale got back, the committed output
 * records and the invariant results) and their text. The same object is written by `--json`.
 */
import type { RejectionReason } from '../../schemas/contracts.ts';
import type { CommittedOutputs, InvariantResult } from '../verify/invariants.ts';
import { acceptedEventIds, countAnswer, emptyTally, classifyAnswer, type Answer, type GateTally } from './answers.ts';
import type { DemoOptions } from './options.ts';
import { latencyStats, type LatencyStats } from './percentiles.ts';

export interface SummaryInput {
  options: Pick<DemoOptions, 'users' | 'quantity' | 'concurrency' | 'repeats' | 'malformed'>;
  couponId: number;
  answers: readonly Answer[];
  saleSeconds: number;
  outputs: CommittedOutputs;
  invariants: InvariantResult[];
  /** Other consumer groups seen reading the requests topic during the run. */
  otherReaders: string[];
}

export interface DemoSummary {
  couponId: number;
  options: SummaryInput['options'];
  sale: { requests: number; seconds: number; requestsPerSecond: number };
  /** The gateway's answers; `otherAnswers` counts the unexpected ones by "status code". */
  gate: GateTally & { otherAnswers: Record<string, number> };
  /** Committed output records of the accepted requests. */
  processor: { issued: number; rejected: number; rejectedByReason: Partial<Record<RejectionReason, number>>; deadLetters: number };
  latency: {
    http: LatencyStats | null;
    httpAccepted: LatencyStats | null;
    /** issuedAt − requestedAt of the committed coupon-issued records. */
    endToEnd: LatencyStats | null;
  };
  /** From the last accepted request (its requestedAt) to the last terminal outcome (its decision time). */
  drainSeconds: number | null;
  invariants: InvariantResult[];
  allHeld: boolean;
  otherReaders: string[];
}

/** The largest value (a loop: spreading a million values into Math.max overflows the stack). */
function latest(values: number[]): number | undefined {
  let max: number | undefined;
  for (const v of values) if (max === undefined || v > max) max = v;
  return max;
}

export function buildSummary(input: SummaryInput): DemoSummary {
  const { answers, outputs } = input;
  const gate = { ...emptyTally(), otherAnswers: {} as Record<string, number> };
  for (const a of answers) {
    countAnswer(gate, a);
    if (classifyAnswer(a) === 'other') {
      const key = `${a.status} ${a.code ?? ''}`.trim();
      gate.otherAnswers[key] = (gate.otherAnswers[key] ?? 0) + 1;
    }
  }

  const accepted = new Set(acceptedEventIds(answers));
  const issued = outputs.issued.filter((r) => accepted.has(r.eventId));
  const rejected = outputs.rejected.filter((r) => accepted.has(r.eventId));
  const deadLetters = outputs.deadLetters.filter((r) => r.eventId !== null && accepted.has(r.eventId));
  const rejectedByReason: Partial<Record<RejectionReason, number>> = {};
  for (const r of rejected) rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;

  const lastDecided = latest([...issued.map((r) => r.issuedAt), ...rejected.map((r) => r.rejectedAt), ...deadLetters.map((r) => r.failedAt)]);
  const lastRequested = latest([...issued, ...rejected].map((r) => r.requestedAt));

  return {
    couponId: input.couponId,
    options: { users: input.options.users, quantity: input.options.quantity, concurrency: input.options.concurrency, repeats: input.options.repeats, malformed: input.options.malformed },
    sale: { requests: answers.length, seconds: input.saleSeconds, requestsPerSecond: input.saleSeconds > 0 ? answers.length / input.saleSeconds : 0 },
    gate,
    processor: { issued: issued.length, rejected: rejected.length, rejectedByReason, deadLetters: deadLetters.length },
    latency: {
      http: latencyStats(answers.map((a) => a.latencyMs)),
      httpAccepted: latencyStats(answers.filter((a) => a.status === 202).map((a) => a.latencyMs)),
      endToEnd: latencyStats(issued.map((r) => r.issuedAt - r.requestedAt)),
    },
    drainSeconds: lastDecided === undefined || lastRequested === undefined ? null : (lastDecided - lastRequested) / 1000,
    invariants: input.invariants,
    allHeld: input.invariants.length > 0 && input.invariants.every((i) => i.held),
    otherReaders: input.otherReaders,
  };
}

/** How many of the accepted requests have no committed output record yet. */
export function missingOutcomes(outputs: CommittedOutputs, acceptedIds: readonly string[]): number {
  const seen = new Set<string>();
  for (const r of [...outputs.issued, ...outputs.rejected]) seen.add(r.eventId);
  for (const r of outputs.deadLetters) if (r.eventId) seen.add(r.eventId);
  return acceptedIds.filter((id) => !seen.has(id)).length;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n < 100 ? n.toFixed(1) : int(n)} ms`;
const row = (label: string, value: string, indent = 4): string => `${' '.repeat(indent)}${label.padEnd(34 - indent)}${value.padStart(10)}`;

function latencyRow(label: string, stats: LatencyStats | null): string {
  if (!stats) return `    ${label.padEnd(30)}(no samples)`;
  return `    ${label.padEnd(30)}${ms(stats.p50Ms).padStart(10)}${ms(stats.p99Ms).padStart(11)}${ms(stats.maxMs).padStart(11)}   n=${int(stats.count)}`;
}

export function renderSummary(s: DemoSummary): string {
  const { gate, processor } = s;
  const other = Object.entries(gate.otherAnswers).map(([what, n]) => `${what}: ${int(n)}`);
  const reasons = Object.entries(s.processor.rejectedByReason).map(([reason, n]) => `${reason} ${int(n)}`);
  const lines = [
    `Summary: coupon ${s.couponId} (${int(s.options.quantity)} units), ${int(s.options.users)} users, ${int(s.options.concurrency)} requests in flight`,
    `  gateway: ${int(s.sale.requests)} requests answered in ${s.sale.seconds.toFixed(1)} s (${int(s.sale.requestsPerSecond)}/s)`,
    row('accepted (202)', int(gate.accepted)),
    row('already requested (409)', int(gate.alreadyRequested)),
    row('sold out at the gate (409)', int(gate.soldOut)),
    row('bad requests (400)', int(gate.badRequest)),
    ...(gate.other ? [`${row('other answers', int(gate.other))}   (${other.join(', ')})`] : []),
    `  processor: outcomes of the ${int(gate.accepted)} accepted requests, as committed to the output topics`,
    row('issued', int(processor.issued)),
    `${row('rejected', int(processor.rejected))}${reasons.length ? `   (${reasons.join(', ')})` : ''}`,
    row('dead-lettered (DLQ)', int(processor.deadLetters)),
    `  latency                             p50        p99        max`,
    latencyRow('HTTP, every answer', s.latency.http),
    latencyRow('HTTP, accepted (202)', s.latency.httpAccepted),
    latencyRow('end to end, accepted → issued', s.latency.endToEnd),
    `      (end to end = issuedAt − requestedAt of the committed coupon-issued records; issuedAt is`,
    `       stamped in the Postgres transaction that decides the batch, its Kafka commit follows)`,
    `  last accepted request → last terminal outcome: ${s.drainSeconds === null ? 'n/a' : `${s.drainSeconds.toFixed(2)} s`}`,
    `  invariants, checked against Postgres and the committed output topics:`,
    ...s.invariants.map((i) => `    ${i.name} ${i.held ? 'held  ' : 'BROKEN'}  ${i.title}: ${i.detail}`),
    s.allHeld ? '  result: every invariant held' : '  result: AN INVARIANT IS BROKEN (exit code 2)',
    ...(s.otherReaders.length
      ? [
          `  note: other consumer groups were reading the requests topic meanwhile (${s.otherReaders.join(', ')}).`,
          '        Their processors decide these requests too and commit output records of their own, which',
          '        I3 counts as duplicates. Run the demo with no other processor on this stack for a clean check.',
        ]
      : []),
  ];
  return lines.join('\n');
}

export interface WhereInfo {
  couponId: number;
  gatewayUrl: string;
  /** The gateway's admin listener: admin API and /metrics. */
  gatewayAdminUrl: string;
  processorMetricsUrl: string;
  databaseUrl: string;
  kafkaBrokers: string;
  adminToken: string;
  logFiles: string[];
  /** The gateway and the processor are still up. */
  running: boolean;
}

/** Where everything is, and how to stop it. */
export function renderWhere(w: WhereInfo): string {
  const stopped = w.running ? '' : '   (stopped now)';
  const lines = [
    'Where things are',
    `  gateway             ${w.gatewayUrl}   (admin API and metrics: ${w.gatewayAdminUrl}/metrics)${stopped}`,
    `  processor metrics   ${w.processorMetricsUrl}${stopped}`,
    `  Postgres            ${w.databaseUrl}`,
    `                      psql '${w.databaseUrl}' -c "SELECT outcome, reason, count(*) FROM issue_outcomes WHERE coupon_id = ${w.couponId} GROUP BY 1, 2"`,
    `  Kafka               ${w.kafkaBrokers}`,
    `  service logs        ${w.logFiles.join(', ')}`,
  ];
  if (w.running) {
    lines.push(
      'The gateway and the processor keep running. Try:',
      `  curl -s ${w.gatewayUrl}/api/coupons/${w.couponId}/issue/1`,
      `  curl -s -H 'Authorization: Bearer ${w.adminToken}' ${w.gatewayAdminUrl}/api/admin/coupons/${w.couponId}`,
      `  curl -s -X POST -H 'content-type: application/json' -d '{"userId": 999999}' ${w.gatewayUrl}/api/coupons/${w.couponId}/issue`,
      'Ctrl-C stops them; `npm run stack:down` then stops Kafka, the registry, Postgres and Redis.',
    );
  } else {
    lines.push(
      'The gateway and the processor have stopped (run with --keep-running to keep them up and curl them).',
      'Kafka, the registry, Postgres and Redis keep running: `npm run stack:down` stops them.',
    );
  }
  return lines.join('\n');
}
