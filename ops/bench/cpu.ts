/**
 * Who used the CPU during a scenario: per-process CPU time from /proc (Linux), grouped by role,
 * as cores busy over the scenario's wall time (1.00 = one core saturated). A process belongs to
 * the scenario when the bench started it (load generator, gateway, processors), when it listens
 * on one of the scenario's server ports (its broker(s), Postgres, Redis, registry), or when its
 * parent is such a server (Postgres backends, Redis's rewrite of its append-only file, counted
 * also once it ended); every other process is named by what it looks like, prefixed "foreign-"
 * (another stack's broker, someone else's processor), or "other". The main thread of each Node
 * process is reported on its own ("processor:main"): a JavaScript-bound service saturates that
 * one thread long before the machine. A child of the bench that ended
 * within the phase (the grant scenario's ops CLI) is gone from /proc by its end: its CPU is counted
 * as "bench-children", from the CPU of the bench's reaped children. Where the kernel reports them,
 * the run-queue time of the scenario's threads (ready, no core) and the machine's CPU pressure
 * tell how much of a phase's latency was queueing for a core.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parentPid } from '../stack/process.ts';
import { pidsListeningOn } from './listeners.ts';

export const FOREIGN_PROCESSOR = 'foreign-processor';

/** The TCP ports of the servers a scenario talks to, by role. */
export type ServerPorts = Readonly<Record<'kafka' | 'postgres' | 'redis' | 'registry', readonly number[]>>;

/** The scenario's processes: by pid, and by parent pid for the children of its servers. */
export interface Attribution {
  pids: ReadonlyMap<number, string>;
  parents: ReadonlyMap<number, string>;
}

export interface ProcessTicks {
  pid: number;
  group: string;
  ticks: number;
  /** Run-queue time of its threads (ns): ready to run, waiting for a core (/proc/<pid>/task/<tid>/schedstat); read for the scenario's processes. */
  waitNs?: number;
  /** How many times its threads got a core (the same files). */
  slices?: number;
}

export interface CpuSnapshot {
  at: number;
  processes: ProcessTicks[];
  /** /proc/stat totals over all cores, in ticks. */
  machineBusy: number;
  machineTotal: number;
  /** /proc/pressure/cpu "some" total (µs in which at least one task waited for a core), where the kernel reports it. */
  pressureUs?: number;
}

export interface CpuUsage {
  wall_s: number;
  /** Cores busy on the whole machine (at most the core count). */
  machine: number;
  cores: number;
  /** Cores busy per role, largest first. */
  by_role: Record<string, number>;
  /** CPU seconds per role (what by_role is computed from, at the clock tick's resolution). */
  cpu_s: Record<string, number>;
  /** What the phase did, when it counted it: CPU µs per unit (a record, an accepted request) per role. */
  unit?: string;
  units?: number;
  us_per_unit?: Record<string, number>;
  /**
   * Waiting for a core: `pressure` the share of the wall time in which some task waited
   * (/proc/pressure/cpu); per role, seconds its threads spent ready but not running per wall
   * second, and the mean of such a wait each time a thread got a core (ms). Where the kernel reports them.
   */
  waiting?: { pressure?: number; by_role: Record<string, number>; ms_per_slice: Record<string, number> };
}

/** utime + stime of a /proc/<pid>/stat line (fields 14 and 15, counted after the command's closing parenthesis). */
export function statTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** cutime + cstime of a /proc/<pid>/stat line (fields 16 and 17): the CPU of the children it has reaped. */
export function reapedChildrenTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

/** Run-queue wait (ns) and time slices of one thread's /proc/<pid>/task/<tid>/schedstat ("<on-cpu ns> <waiting ns> <slices>"). */
export function schedstatWait(text: string): { waitNs: number; slices: number } {
  const [, wait, slices] = text.trim().split(/\s+/).map(Number);
  return { waitNs: wait ?? 0, slices: slices ?? 0 };
}

/** The "some" line's total (µs) of /proc/pressure/cpu. */
export function cpuPressureTotal(text: string): number | undefined {
  const total = /^some .*\btotal=(\d+)/m.exec(text)?.[1];
  return total === undefined ? undefined : Number(total);
}

/** Role of the CPU of the bench's children that ended (reaped): the grant's ops CLI. */
export const BENCH_CHILDREN = 'bench-children';

/** busy and total ticks from the aggregate "cpu" line of /proc/stat. */
export function machineTicks(procStat: string): { busy: number; total: number } {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + iowait! };
}

/** What a process looks like from its command line (NUL-separated, as in /proc/<pid>/cmdline). */
function kindOf(cmdline: string): string | undefined {
  if (cmdline.includes('kafka.Kafka')) return 'kafka';
  if (cmdline.includes('quarkus-run.jar')) return 'registry';
  if (/^postgres[:\0 ]|\/postgres\0/.test(cmdline)) return 'postgres';
  if (cmdline.startsWith('redis-server')) return 'redis';
  if (cmdline.includes('processor/main')) return 'processor';
  if (cmdline.includes('gateway/main')) return 'gateway';
  return undefined;
}

/**
 * The role of a process: the scenario's own by pid or parent, else "foreign-<kind>" (they compete
 * for the CPU and, for processors, for the same requests topic: a second group processing the
 * bench's records emits second outputs), else "other".
 */
export function roleOf(pid: number, ppid: number, cmdline: string, scenario: Attribution): string {
  const role = scenario.pids.get(pid) ?? scenario.parents.get(ppid);
  if (role) return role;
  const kind = kindOf(cmdline);
  return kind ? `foreign-${kind}` : 'other';
}

/** Whether a role (of roleOf) is one of the scenario's processes, not a foreign one or "other". */
export function isScenarioRole(role: string): boolean {
  return !role.startsWith('foreign-') && role !== 'other';
}

/** The scenario's processes from the bench's own (pid → role) and the pids listening on its server ports. */
export function attribution(started: ReadonlyMap<number, string>, servers: ServerPorts, listening: ReadonlyMap<number, number>): Attribution {
  const pids = new Map(started);
  const parents = new Map<number, string>();
  for (const [role, ports] of Object.entries(servers)) {
    for (const port of ports) {
      const pid = listening.get(port);
      if (pid === undefined) continue;
      pids.set(pid, role);
      // A postmaster forks one backend per connection, Redis a child per append-only-file rewrite: their servers' work.
      if (role === 'postgres' || role === 'redis') parents.set(pid, role);
    }
  }
  return { pids, parents };
}

/** Cores busy per role between two snapshots; processes that started in between count from zero. */
export function usageBetween(before: CpuSnapshot, after: CpuSnapshot, ticksPerSecond: number, cores: number): CpuUsage {
  const wall = (after.at - before.at) / 1000;
  const earlier = new Map(before.processes.map((p) => [`${p.pid}/${p.group}`, p.ticks]));
  const byRole = new Map<string, number>();
  for (const p of after.processes) {
    const delta = p.ticks - (earlier.get(`${p.pid}/${p.group}`) ?? 0);
    if (delta > 0) byRole.set(p.group, (byRole.get(p.group) ?? 0) + delta);
  }
  const busyShare = (after.machineBusy - before.machineBusy) / Math.max(1, after.machineTotal - before.machineTotal);
  const round = (n: number): number => Math.round(n * 100) / 100;
  const sorted = [...byRole].sort((a, b) => b[1] - a[1]);
  const waiting = waitingBetween(before, after, wall);
  return {
    wall_s: round(wall),
    machine: round(busyShare * cores),
    cores,
    by_role: Object.fromEntries(sorted.map(([role, ticks]) => [role, round(ticks / ticksPerSecond / wall)])),
    cpu_s: Object.fromEntries(sorted.map(([role, ticks]) => [role, round(ticks / ticksPerSecond)])),
    ...(waiting && { waiting }),
  };
}

/** Run-queue waits per role and the machine's CPU pressure between two snapshots; undefined where neither was read. */
function waitingBetween(before: CpuSnapshot, after: CpuSnapshot, wall: number): CpuUsage['waiting'] {
  const earlier = new Map(before.processes.map((p) => [`${p.pid}/${p.group}`, p]));
  const byRole = new Map<string, { waitNs: number; slices: number }>();
  for (const p of after.processes) {
    if (p.waitNs === undefined || p.slices === undefined) continue;
    const was = earlier.get(`${p.pid}/${p.group}`);
    const waitNs = p.waitNs - (was?.waitNs ?? 0);
    const slices = p.slices - (was?.slices ?? 0);
    if (waitNs <= 0 || slices <= 0) continue;
    const role = byRole.get(p.group) ?? { waitNs: 0, slices: 0 };
    byRole.set(p.group, { waitNs: role.waitNs + waitNs, slices: role.slices + slices });
  }
  const pressure = before.pressureUs !== undefined && after.pressureUs !== undefined && wall > 0 ? (after.pressureUs - before.pressureUs) / 1e6 / wall : undefined;
  if (byRole.size === 0 && pressure === undefined) return undefined;
  const sorted = [...byRole].sort((a, b) => b[1].waitNs - a[1].waitNs);
  return {
    ...(pressure !== undefined && { pressure: Math.round(pressure * 100) / 100 }),
    by_role: Object.fromEntries(sorted.map(([role, w]) => [role, Math.round((w.waitNs / 1e9 / wall) * 100) / 100])),
    ms_per_slice: Object.fromEntries(sorted.map(([role, w]) => [role, Math.round((w.waitNs / w.slices / 1e6) * 100) / 100])),
  };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return ''; // the process exited between listing and reading
  }
}

/** The run-queue wait of all of a process's threads; nothing where the kernel keeps no schedstat. */
function threadWaits(pid: number): { waitNs: number; slices: number } | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined; // the process exited
  }
  let found = false;
  const sum = { waitNs: 0, slices: 0 };
  for (const tid of tids) {
    const text = readOrEmpty(`/proc/${pid}/task/${tid}/schedstat`);
    if (!text) continue;
    const { waitNs, slices } = schedstatWait(text);
    found = true;
    sum.waitNs += waitNs;
    sum.slices += slices;
  }
  return found ? sum : undefined;
}

/** Samples /proc; on systems without it, `take` returns undefined and no usage is reported. */
export class CpuSampler {
  private readonly known = new Map<number, string>();
  private readonly ticksPerSecond: number;
  readonly available = fs.existsSync('/proc/stat');

  constructor() {
    this.known.set(process.pid, 'bench');
    this.ticksPerSecond = this.available ? Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100 : 100;
  }

  /** Names a child process (a service this bench started) so its CPU is reported under `role`. */
  track(pid: number | undefined, role: string): void {
    if (pid !== undefined) this.known.set(pid, role);
  }

  /** Every process's CPU time now, by role; `servers` are the ports of the scenario's own servers. */
  take(servers: ServerPorts): CpuSnapshot | undefined {
    if (!this.available) return undefined;
    const scenario = attribution(this.known, servers, pidsListeningOn(Object.values(servers).flat()));
    const processes: ProcessTicks[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const stat = readOrEmpty(`/proc/${pid}/stat`);
      if (!stat) continue;
      const group = roleOf(pid, parentPid(stat), readOrEmpty(`/proc/${pid}/cmdline`), scenario);
      // Redis's rewrite of its append-only file is a child that usually ends within the phase: counted as the server's.
      const rewrites = scenario.pids.get(pid) === 'redis' ? reapedChildrenTicks(stat) : 0;
      processes.push({ pid, group, ticks: statTicks(stat) + rewrites, ...(isScenarioRole(group) && threadWaits(pid)) });
      if (pid === process.pid) processes.push({ pid, group: BENCH_CHILDREN, ticks: reapedChildrenTicks(stat) });
      if (this.known.has(pid)) {
        const main = readOrEmpty(`/proc/${pid}/task/${pid}/stat`);
        const mainWait = readOrEmpty(`/proc/${pid}/task/${pid}/schedstat`);
        if (main) processes.push({ pid, group: `${group}:main`, ticks: statTicks(main), ...(mainWait && schedstatWait(mainWait)) });
      }
    }
    const machine = machineTicks(fs.readFileSync('/proc/stat', 'utf8'));
    const pressureUs = cpuPressureTotal(readOrEmpty('/proc/pressure/cpu'));
    return { at: Date.now(), processes, machineBusy: machine.busy, machineTotal: machine.total, ...(pressureUs !== undefined && { pressureUs }) };
  }

  usage(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): CpuUsage | undefined {
    return before && after ? usageBetween(before, after, this.ticksPerSecond, os.cpus().length) : undefined;
  }
}

/** CPU microseconds per unit of work (a record, a request) for every role of a phase that used any. */
export function microsPerUnit(usage: CpuUsage | undefined, units: number): Record<string, number> {
  if (!usage || units <= 0) return {};
  const micros = Object.entries(usage.cpu_s).map(([role, seconds]) => [role, Math.round((seconds * 1e6) / units)] as const);
  return Object.fromEntries(micros.filter(([, us]) => us > 0));
}

/** The scenario's own share of CPU µs per unit: every role but the foreign ones, "other" and the ":main" threads (already counted in their process). */
export function scenarioMicros(micros: Record<string, number>): number {
  return Object.entries(micros)
    .filter(([role]) => isScenarioRole(role) && !role.endsWith(':main'))
    .reduce((sum, [, us]) => sum + us, 0);
}
