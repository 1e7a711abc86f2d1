/**
 * The run's JSON report and its verdict: exit 0 only when nothing was lost, doubled, over-issued,
 * stuck or locked out, every invariant held, every bulk grant ended as its file asked, and no
 * service crashed (died of a signal the run did not send: a service must survive every fault
 * in-process or exit on purpose, never crash).
 */
import type { IssueAnswer } from '../verify/client-answers.ts';
import type { InvariantResult } from '../verify/invariants.ts';
import type { ChaosGrantsReport } from './grants.ts';

export type InvariantName = InvariantResult['name'];
export const INVARIANTS: readonly InvariantName[] = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'];

export interface ChaosReport {
  seed: number;
  minutes: number;
  faults: Record<string, number>;
  requests: number;
  accepted: number;
  issued: number;
  lost: number;
  doubled: number;
  over_issued: number;
  stuck: number;
  locked_out: number;
  /** null: not checked in this run (the check is not available). */
  invariants: Record<InvariantName, boolean | null>;
  /** Exits nobody asked for: each is a defect signal (the supervisor restarted them). */
  processor_exits: number;
  gateway_exits: number;
  /** Of those, the ones that died of a signal (SIGSEGV, SIGABRT, ...): the verdict fails on any. */
  crashes: number;
  /** Each such exit: which service, its exit code or signal and the last fatal message it logged. */
  exits: Array<{ service: string; code: number | null; signal: string | null; reason: string | null }>;
  /** Answers of the load by status and error code. */
  answers: Record<string, number>;
  shed: number;
  probes: number;
  skipped: string[];
  fault_failures: string[];
  /** The bulk grants run beside the sale: a problem with any fails the verdict. */
  grants: ChaosGrantsReport;
  details: Record<string, string>;
}

export function answerHistogram(answers: readonly IssueAnswer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const key = a.code ? `${a.status} ${a.code}` : String(a.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => x.localeCompare(y)));
}

export function invariantMap(results: readonly InvariantResult[]): Record<InvariantName, boolean | null> {
  const byName = new Map(results.map((r) => [r.name, r.held]));
  return Object.fromEntries(INVARIANTS.map((n) => [n, byName.get(n) ?? null])) as Record<InvariantName, boolean | null>;
}

/** Every count zero and no invariant broken (an unchecked one does not pass for broken). */
export function passed(report: ChaosReport): boolean {
  const zero = report.lost === 0 && report.doubled === 0 && report.over_issued === 0 && report.stuck === 0 && report.locked_out === 0 && report.crashes === 0;
  return zero && report.grants.problems.length === 0 && Object.values(report.invariants).every((held) => held !== false);
}
