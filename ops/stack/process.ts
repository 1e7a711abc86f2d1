/** The stack's server processes: start detached, pid files, stop, kill, log tails. */
import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../run/wait-for.ts';
import { stackPath } from './paths.ts';

/** A failure of one stack component, naming it, the reason and where its log is. */
export class ComponentError extends Error {
  constructor(
    readonly component: string,
    reason: string,
    readonly logFile?: string,
    options?: ErrorOptions,
  ) {
    super(`${component}: ${reason}${logFile ? ` (log: ${logFile})` : ''}`, options);
    this.name = 'ComponentError';
  }
}

export const pidFile = (name: string): string => stackPath('run', `${name}.pid`);
export const logFile = (name: string): string => stackPath('logs', `${name}.log`);

export function readPid(name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` runs. A zombie does not: a process whose parent died is reparented, and in a
 * container the new parent may never reap it, while signal 0 still reaches it.
 */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** The parent pid from a /proc/<pid>/stat line (field 4, after the command's closing parenthesis). */
export function parentPid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The processes whose parent is `pid` (from /proc; none where there is no /proc). */
export function childrenOf(pid: number): number[] {
  if (!fs.existsSync('/proc')) return [];
  return fs.readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return parentPid(fs.readFileSync(`/proc/${entry}/stat`, 'utf8')) === pid;
    } catch {
      return false; // gone meanwhile
    }
  }).map(Number);
}

/** Linux's process state (after the command name in /proc/<pid>/stat) is Z; false where there is no /proc. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z';
  } catch {
    return false;
  }
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** Starts a long-lived server detached from this process, output appended to its log file. */
export function startDetached(opts: StartOptions): number {
  fs.mkdirSync(path.dirname(pidFile(opts.name)), { recursive: true });
  fs.mkdirSync(path.dirname(logFile(opts.name)), { recursive: true });
  const out = fs.openSync(logFile(opts.name), 'a');
  const spawnOptions: SpawnOptions = {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  };
  if (opts.uid !== undefined) spawnOptions.uid = opts.uid;
  if (opts.gid !== undefined) spawnOptions.gid = opts.gid;
  const child = spawn(opts.command, opts.args, spawnOptions);
  fs.closeSync(out);
  if (child.pid === undefined) throw new ComponentError(opts.name, `could not start ${opts.command}`, logFile(opts.name));
  child.unref();
  fs.writeFileSync(pidFile(opts.name), String(child.pid));
  return child.pid;
}

/**
 * `signal` (SIGTERM unless told; Postgres' fast shutdown is SIGINT), then SIGKILL once the
 * deadline passes. Returns whether a process was running.
 */
export async function stopProcess(name: string, graceMs = 20_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  const pid = readPid(name);
  if (!isAlive(pid)) {
    fs.rmSync(pidFile(name), { force: true });
    return false;
  }
  process.kill(pid!, signal);
  const stopped = await waitFor(() => !isAlive(pid), graceMs, 100).then(
    () => true,
    () => false,
  );
  if (!stopped) {
    process.kill(pid!, 'SIGKILL');
    // Until it is gone it may still hold its data directory's lock: a restart would fail.
    await waitFor(() => !isAlive(pid), 10_000, 50).catch(() => undefined);
  }
  fs.rmSync(pidFile(name), { force: true });
  return true;
}

/** SIGKILL (a crash, a pulled plug); returns once the process is gone. Returns whether one was running. */
export async function killProcess(name: string): Promise<boolean> {
  const pid = readPid(name);
  if (!isAlive(pid)) {
    fs.rmSync(pidFile(name), { force: true });
    return false;
  }
  process.kill(pid!, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 10_000, 50);
  fs.rmSync(pidFile(name), { force: true });
  return true;
}

/** Tails a log so a failure message can show its last lines. */
export function lastLines(file: string, count = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}
