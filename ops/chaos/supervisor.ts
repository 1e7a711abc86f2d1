/**
 * Keeps a service running the way a process supervisor would: a killed or exited instance is
 * started again. Kills the run asked for are expected; any other exit is counted as a defect
 * signal (a fail-closed service exits after a bounded time without progress, which a supervisor
 * covers, but in this run every fault is survivable in-process).
 */
import type { ServiceProcess } from '../run/service-process.ts';

export interface Exit {
  label: string;
  code: number | null;
  at: number;
  log: string;
}

export class Supervised {
  private current: ServiceProcess | undefined;
  private expectKill = false;
  private stopped = false;
  private restarting: Promise<void> | undefined;
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

  async start(): Promise<void> {
    const service = await this.launch();
    this.current = service;
    void service.exited.then((code) => this.onExit(service, code));
    await service.ready(90_000).catch((err: unknown) => this.say(`${this.label}: not ready after start: ${(err as Error).message}`));
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
      this.exits.push({ label: this.label, code, at: Date.now(), log: service.logFile });
      delayMs = Math.min(10_000, this.restartDelayMs * 2 ** this.crashesInARow++);
      this.say(`!! ${this.label} exited by itself with ${code ?? 'a signal'} (see ${service.logFile}); restarting in ${delayMs} ms`);
    }
    this.restarting = (async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      if (this.stopped) return;
      this.restarts++;
      await this.start();
    })();
  }

  /** Stops supervising and the service (SIGTERM: a processor finishes its transaction). */
  async stop(): Promise<number | null | undefined> {
    this.stopped = true;
    await this.restarting;
    return this.current?.stop('SIGTERM');
  }
}
