/**
 * Bulk grants during a chaos run, as an operator runs them: `coupon-ops grant run` on a file of
 * users (with repeated users and malformed lines), run again with the same file whenever a fault
 * cut it short or the run SIGKILLed it, until it is DONE. They alternate between the sale's big
 * coupon, while the sale goes on, and a coupon of their own that the grant sells out part way
 * (first come, first served by line). Afterwards each grant's per-user result is judged against
 * its file and the committed output records, and its coupon and produced requests join the run's
 * invariant checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import { startOpsCli, type OpsCliExit } from '../run/ops-cli.ts';
import { grantResultProblems, readGrantResults, type GrantExpectation } from '../verify/grant-results.ts';
import type { CommittedOutputs } from '../verify/invariants.ts';
import type { Random } from './random.ts';

const GRANTS_PER_MINUTE = 0.7;
const AT_LEAST = 2;
/** Distinct users of a grant; a grant of its own coupon finds units for OWN_QUANTITY of them. */
export const GRANT_USERS = 6000;
const OWN_QUANTITY = 4000;
/** Paced (`--max-rate`) so that a grant lasts long enough for faults to meet it. */
const GRANT_RATE = 1000;
/** Grant users are far above the load's (one new user a request, counted from 1). */
const FIRST_USER = 10_000_000;
const KILL_SHARE = 0.5;
const RETRY_PAUSE_MS = 2000;
/** How long one run of the command waits for the processor's decisions before it exits 1 (then it is run again). */
const WAIT_TIMEOUT_S = 60;

export interface PlannedGrant {
  /** Milliseconds after the load started. */
  atMs: number;
  /** On a coupon of its own (sold out part way) rather than the sale's big coupon. */
  ownCoupon: boolean;
  /** The first run of the command is SIGKILLed this long after it started, if it is still running. */
  killAfterMs: number | undefined;
}

/** Grants at random moments in [fromMs, durationMs - quietMs), alternating coupons, half of them killed once (1-5 s in). */
export function planGrants(random: Random, minutes: number, fromMs: number, quietMs: number): PlannedGrant[] {
  const count = Math.max(AT_LEAST, Math.round(GRANTS_PER_MINUTE * minutes));
  const to = Math.max(fromMs + 1, minutes * 60_000 - quietMs);
  return Array.from({ length: count }, (_, i) => ({
    atMs: Math.floor(random.between(fromMs, to)),
    ownCoupon: i % 2 === 0,
    killAfterMs: random.next() < KILL_SHARE ? Math.floor(random.between(1000, 5000)) : undefined,
  })).sort((a, b) => a.atMs - b.atMs);
}

export interface GrantFile {
  lines: string[];
  /** Its distinct valid users in line order. */
  users: number[];
  invalid: number;
}

/** A header, then `users` users from `firstUser` in a scrambled order; every 50th line repeats the user of ten lines before, every 1,000th is malformed. */
export function grantFile(firstUser: number, users: number): GrantFile {
  const lines = ['userId'];
  const order: number[] = [];
  let invalid = 0;
  for (let i = 0; i < users; i++) {
    // 7,919 is prime and no factor of the count here: i -> i * 7,919 mod n visits every user once.
    const user = firstUser + ((i * 7919) % users);
    lines.push(String(user));
    order.push(user);
    if (i % 50 === 49) lines.push(String(order[i - 10]));
    if (i % 1000 === 999) {
      lines.push(`not-a-user-${i}`);
      invalid++;
    }
  }
  return { lines, users: order, invalid };
}

type CliRun = OpsCliExit & { killed: boolean };

/** The operator command to its end (or SIGKILLed after `killAfterMs`). */
async function runCli(args: string[], killAfterMs?: number): Promise<CliRun> {
  const { child, exited } = startOpsCli(args);
  let killed = false;
  const killer = killAfterMs === undefined ? undefined : setTimeout(() => (killed = child.kill('SIGKILL')), killAfterMs);
  const exit = await exited.finally(() => clearTimeout(killer));
  return { ...exit, killed };
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';

/** One planned grant, its coupon and file, and what its runs did. */
interface RunningGrant {
  index: number;
  plan: PlannedGrant;
  couponId: number;
  file: string;
  expected: GrantExpectation & { invalid: number };
  grantId: string | undefined;
  attempts: number;
  killed: number;
  done: boolean;
}

export interface ChaosGrantsReport {
  planned: number;
  done: number;
  /** Runs of the command, the ones a fault or a kill cut short included. */
  attempts: number;
  killed: number;
  users: number;
  issued: number;
  /** Any departure from the file, first come first served, or the committed records: the verdict fails on any. */
  problems: string[];
}

export class ChaosGrants {
  private readonly grants: RunningGrant[] = [];
  private readonly runs: Promise<void>[] = [];

  constructor(
    private readonly dir: string,
    private readonly say: (msg: string) => void,
  ) {}

  /** Creates each planned grant's coupon (its own, or the sale's big one) and writes its file. */
  async prepare(plan: readonly PlannedGrant[], bigCouponId: number, createCoupon: (name: string, quantity: number) => Promise<number>): Promise<void> {
    for (const [index, p] of plan.entries()) {
      const file = grantFile(FIRST_USER + index * GRANT_USERS, GRANT_USERS);
      const couponId = p.ownCoupon ? await createCoupon(`grant ${index + 1}`, OWN_QUANTITY) : bigCouponId;
      const filePath = path.join(this.dir, `grant-${index + 1}.csv`);
      fs.writeFileSync(filePath, file.lines.map((l) => `${l}\n`).join(''));
      this.grants.push({
        index: index + 1,
        plan: p,
        couponId,
        file: filePath,
        expected: { users: file.users, quantity: p.ownCoupon ? OWN_QUANTITY : file.users.length, invalid: file.invalid },
        grantId: undefined,
        attempts: 0,
        killed: 0,
        done: false,
      });
    }
  }

  /** The coupons of their own the grants use (the big coupon is the run's already). */
  get ownCouponIds(): number[] {
    return this.grants.filter((g) => g.plan.ownCoupon).map((g) => g.couponId);
  }

  /** Starts each grant at its moment after t0; each runs again until DONE or `until`. */
  start(t0: number, until: number): void {
    for (const g of this.grants) {
      this.runs.push(sleep(Math.max(0, t0 + g.plan.atMs - Date.now())).then(() => this.runUntilDone(g, until)));
    }
  }

  /** Resolves once every grant is DONE or has given up. */
  async finished(): Promise<void> {
    await Promise.all(this.runs);
  }

  private async runUntilDone(g: RunningGrant, until: number): Promise<void> {
    const name = `grant ${g.index} (coupon ${g.couponId}${g.plan.ownCoupon ? `, ${g.expected.quantity} units` : ', the sale\'s'})`;
    this.say(`${name}: ${GRANT_USERS} users ...`);
    while (Date.now() < until) {
      g.attempts++;
      const killAfterMs = g.attempts === 1 ? g.plan.killAfterMs : undefined;
      const run = await runCli(
        ['grant', 'run', '--coupon', String(g.couponId), '--users', g.file, '--max-rate', String(GRANT_RATE), '--wait-timeout', String(WAIT_TIMEOUT_S), '--json'],
        killAfterMs,
      );
      if (run.killed) {
        g.killed++;
        this.say(`${name}: SIGKILL after ${killAfterMs} ms; running it again`);
        continue;
      }
      if (run.code === 0) {
        const grant = (JSON.parse(run.stdout) as { grant: Grant }).grant;
        g.grantId = grant.id;
        if (grant.status === 'DONE') {
          g.done = true;
          this.say(`${name}: DONE after ${g.attempts} run(s): issued ${grant.counts.issued}, refused ${JSON.stringify(grant.counts.refused)}`);
          return;
        }
      }
      this.say(`${name}: run ${g.attempts} exited ${run.code}: ${lastLine(run.stderr)}; running it again`);
      await sleep(RETRY_PAUSE_MS);
    }
    this.say(`${name}: not DONE by the deadline after ${g.attempts} run(s)`);
  }

  /**
   * Each grant's stored result (`grant show --outcomes`) judged against its file and the committed
   * outputs; the event ids of the requests the grants produced (for I3 with the sale's).
   */
  async judge(outputs: CommittedOutputs): Promise<{ report: ChaosGrantsReport; producedEventIds: string[] }> {
    const problems: string[] = [];
    const producedEventIds: string[] = [];
    let users = 0;
    let issued = 0;
    for (const g of this.grants) {
      const name = `grant ${g.index} (coupon ${g.couponId})`;
      if (!g.done || g.grantId === undefined) {
        problems.push(`${name}: not DONE after ${g.attempts} run(s)`);
        continue;
      }
      const resultFile = path.join(this.dir, `grant-${g.index}-result.csv`);
      const show = await runCli(['grant', 'show', g.grantId, '--outcomes', resultFile, '--json']);
      if (show.code !== 0) {
        problems.push(`${name}: grant show exited ${show.code}: ${lastLine(show.stderr)}`);
        continue;
      }
      // `grant show --json` prints the grant itself (`grant run --json` wraps it with the run's progress).
      const grant = JSON.parse(show.stdout) as Grant;
      if (grant.status !== 'DONE' || grant.counts.pending !== 0) problems.push(`${name}: ${grant.status} with ${grant.counts.pending} pending`);
      if (grant.invalidLines !== g.expected.invalid) problems.push(`${name}: ${grant.invalidLines} invalid lines, the file has ${g.expected.invalid}`);
      const results = readGrantResults(resultFile);
      problems.push(...grantResultProblems(g.expected, results, outputs).map((p) => `${name}: ${p}`));
      producedEventIds.push(...results.filter((r) => r.result !== 'REFUSED').map((r) => r.eventId));
      users += results.length;
      issued += results.filter((r) => r.result === 'ISSUED').length;
    }
    const report: ChaosGrantsReport = {
      planned: this.grants.length,
      done: this.grants.filter((g) => g.done).length,
      attempts: this.grants.reduce((n, g) => n + g.attempts, 0),
      killed: this.grants.reduce((n, g) => n + g.killed, 0),
      users,
      issued,
      problems,
    };
    return { report, producedEventIds };
  }
}
