/**
 * Keeps a service running the way a process supervisor would: a killed or exited instance is
 * started again. Kills the run asked for are expected; any other exit is counted as a defect
 * signal (a fail-closed service exits after a bounded time without progress, which a supervisor
 * covers, but in this run every fault is survivable in-process).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import type { ServiceProcess } from '../run/service-process.ts';

export interface Exit {
  label: string;
  code: number | null;
  /** The signal that ended it — one this run did not send: a crash (SIGSEGV, SIGABRT, ...). */
  signal: NodeJS.Signals | null;
  at: number;
  log: string;
  /** The last fatal log line's error message, if the service logged one. */
  reason: string | undefined;
}

/** The error message of the last fatal (pino level 60) line of a JSON log. */
export function lastFatalMessage(logText: string): string | undefined {
  const lines = logText.split('\n').filter((l) => l.includes('"level":60'));
  for (const line of lines.reverse()) {
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      return [entry.msg, entry.err?.message].filter(Boolean).join(': ') || undefined;
    } catch {
      // a line cut short by the kill: try the one before
    }
  }
  return undefined;
}

const fileSize = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/** What the log got since byte `from` (the instance's own lines), at most the last `bytes`. */
function tail(file: string, from: number, bytes = 256 * 1024): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(from, size - bytes);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      fs.readSync(fd, buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Exits in a row after which a start stops waiting for the restarts (the supervisor goes on restarting). */
const MAX_START_CRASHES = 3;

export class Supervised {
  private current: ServiceProcess | undefined;
  private expectKill = false;
  private stopped = false;
  private restarting: Promise<void> | undefined;
  /** Where the current instance's lines start in its (appended) log. */
  private logStart = 0;
  /** Exits by itself in a row: each waits twice as long before the restart (a crash loop backs off). */
  private crashesInARow = 0;
  readonly exits: Exit[] = [];
  restarts = 0;

  constructor(
    readonly label: string,
    private readonly launch: () => Promise<ServiceProcess>,
    private readonly say: (msg: string) => void,
    private readonly restartDelayMs = 500,
  ) {}

  get service(): ServiceProcess | undefined {
    return this.current;
  }

  /**
   * Starts the service and waits until it is ready. An instance that exits before it is ready (a
   * dependency slow to answer its start-up checks) is restarted as any exit is, and the start
   * waits for that restart too — through MAX_START_CRASHES restarts in a row.
   */
  async start(): Promise<void> {
    const service = await this.launch();
    this.logStart = fileSize(service.logFile);
    this.current = service;
    void service.exited.then((code) => this.onExit(service, code));
    try {
      await service.ready(90_000);
    } catch (err) {
      this.say(`${this.label}: not ready after start: ${(err as Error).message}`);
      const exited = service.child.exitCode !== null || service.child.signalCode !== null;
      if (!exited || this.crashesInARow > MAX_START_CRASHES) return;
      // onExit ran before this continuation (it was registered on exited first) and set restarting.
      await service.exited;
      await this.restarting;
    }
  }

  /** SIGKILL, then wait until the supervisor has it running and healthy again. */
  async kill(): Promise<void> {
    const service = this.current;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
    this.expectKill = true;
    service.child.kill('SIGKILL');
    await service.exited;
    await this.restarting;
  }

  private onExit(service: ServiceProcess, code: number | null): void {
    if (service !== this.current || this.stopped) return;
    let delayMs = this.restartDelayMs;
    if (this.expectKill) {
      this.expectKill = false;
      this.crashesInARow = 0;
    } else {
      const reason = lastFatalMessage(tail(service.logFile, this.logStart)) ?? (service.child.signalCode ? `killed by ${service.child.signalCode} (not by this run)` : undefined);
      this.exits.push({ label: this.label, code, signal: service.child.signalCode, at: Date.now(), log: service.logFile, reason });
      delayMs = Math.min(10_000, this.restartDelayMs * 2 ** this.crashesInARow++);
      this.say(`!! ${this.label} exited by itself with ${code ?? service.child.signalCode ?? 'a signal'}${reason ? ` (${reason})` : ''}; restarting in ${delayMs} ms`);
    }
    this.restarting = (async () => {
      await sleep(delayMs);
      if (this.stopped) return;
      this.restarts++;
      await this.start();
    })();
  }

  /** Stops supervising and the service (SIGTERM: a processor finishes its transaction; SIGKILL after `graceMs`). */
  async stop(graceMs = 30_000): Promise<number | null | undefined> {
    this.stopped = true;
    await this.restarting;
    const service = this.current;
    if (!service) return undefined;
    const timer = setTimeout(() => {
      this.say(`${this.label} did not stop within ${graceMs} ms of SIGTERM; SIGKILL`);
      service.child.kill('SIGKILL');
    }, graceMs);
    try {
      return await service.stop('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }
}
