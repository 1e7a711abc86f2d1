/**
 * Runs one of the services (gateway, processor) as a child process, the way an operator would:
 * `node --import tsx <entry>` from the source, or `node dist/<entry>.js` from the build
 * (`npm run build`), configured only by environment, output to a log file. Used by the demo, the
 * benchmarks and the fault tests (which kill -9 it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, stackPath } from '../stack/paths.ts';
import { freePort } from './free-port.ts';
import { waitFor } from '../run/wait-for.ts';

export type ServiceName = 'gateway' | 'processor';

const ENTRY: Record<ServiceName, string> = { gateway: 'gateway/main.ts', processor: 'processor/main.ts' };

/** How a service's code runs: its TypeScript through tsx (development), or compiled (production). */
export type ServiceCode = 'source' | 'dist';

/** The node arguments that run `entry` (a `.ts` path from the repository root) as `code`. */
export function entryArgs(entry: string, code: ServiceCode): string[] {
  return code === 'dist' ? [path.join('dist', entry.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', entry];
}

/** Preloaded into each service (and the operator CLI run as a child: ops-cli.ts): it stops when this process is gone, however this one ended. */
export const EXIT_WITH_PARENT = pathToFileURL(path.join(ROOT, 'ops/run/exit-with-parent.mjs')).href;

/** Services started by this process; none may outlive it (a test that times out, a Ctrl-C). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A service this process started, with the size its log file had then (the service's own lines follow). */
export interface StartedService {
  readonly label: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  readonly logOffset: number;
}

/** Every service this process started, oldest first: a failed test reports their logs. */
export const startedServices: StartedService[] = [];

/**
 * Kills (SIGKILL) every service this process started that still runs, and resolves with their
 * pids once they are gone: a test that failed or timed out must not leave a processor in the
 * shared group, taking partitions from the next test's processors.
 */
export async function killRunningServices(): Promise<number[]> {
  const left = [...running];
  await Promise.all(left.map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
  return left.map((child) => child.pid ?? -1);
}

export interface ServiceOptions {
  /** Names the log file: .stack/logs/<service>-<label>.log */
  label: string;
  /** The port its HTTP server listens on (gateway API or processor metrics). */
  port: number;
  /** Where its /metrics (and, for the gateway, the admin API) is served, when not on `port`. */
  adminPort?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof for profiling runs. */
  nodeArgs?: string[];
  /** `source` unless given. */
  code?: ServiceCode;
}

export class ServiceProcess {
  private constructor(
    readonly service: ServiceName,
    readonly child: ChildProcess,
    readonly port: number,
    readonly adminPort: number,
    readonly exited: Promise<number | null>,
    readonly logFile: string,
  ) {}

  static start(service: ServiceName, opts: ServiceOptions): ServiceProcess {
    const logFile = stackPath('logs', `${service}-${opts.label}.log`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    const logOffset = fs.fstatSync(out).size;
    // node itself (not the tsx CLI, which runs a second process) so a kill -9 hits the service.
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', EXIT_WITH_PARENT, ...entryArgs(ENTRY[service], opts.code ?? 'source')], {
      cwd: ROOT,
      // The IPC channel is how the service notices this process is gone (exit-with-parent.mjs).
      stdio: ['ignore', out, out, 'ipc'],
      env: { ...process.env, ...opts.env },
    });
    fs.closeSync(out);
    child.channel?.unref();
    running.add(child);
    startedServices.push({ label: `${service}-${opts.label}`, pid: child.pid, logFile, logOffset });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve(signal ? null : code);
      }),
    );
    return new ServiceProcess(service, child, opts.port, opts.adminPort ?? opts.port, exited, logFile);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The admin API and /metrics (the gateway's admin listener; the processor's only port). */
  get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPort}`;
  }

  /** Resolves once /healthz answers 200; fails fast if the process exits first. */
  async ready(timeoutMs = 60_000): Promise<this> {
    await waitFor(
      async () => (await fetch(`${this.url}/healthz`)).ok,
      timeoutMs,
      200,
      () => (this.child.exitCode !== null ? `${this.service} exited with ${this.child.exitCode}; see ${this.logFile}` : undefined),
    );
    return this;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.adminUrl}/metrics`)).text();
  }

  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export interface ProcessorOptions {
  instanceId: string;
  mode?: 'batch' | 'single';
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Its metrics port; a free one unless given (a restarted instance keeps its port). */
  port?: number;
  code?: ServiceCode;
}

/** A processor instance with its own metrics port; `instanceId` fixes its transactional and member ids. */
export async function startProcessor(opts: ProcessorOptions): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  return ServiceProcess.start('processor', {
    label: opts.instanceId,
    port,
    nodeArgs: opts.nodeArgs,
    code: opts.code,
    env: {
      PROCESSOR_INSTANCE_ID: opts.instanceId,
      PROCESSOR_MODE: opts.mode ?? 'batch',
      PROCESSOR_METRICS_PORT: String(port),
      PROCESSOR_LAG_INTERVAL_MS: '1000',
      ...opts.env,
    },
  });
}

export interface GatewayPorts {
  port: number;
  adminPort: number;
}

/**
 * A gateway on ports of its own (free ones unless given: a restarted gateway keeps its addresses).
 * Its per-address rate limit is off: the demo, the bench, the chaos run and the tests send all
 * their load from this one machine's address.
 */
export async function startGateway(label: string, env: NodeJS.ProcessEnv = {}, given?: GatewayPorts, code: ServiceCode = 'source'): Promise<ServiceProcess> {
  const { port, adminPort } = given ?? { port: await freePort(), adminPort: await freePort() };
  return ServiceProcess.start('gateway', {
    label,
    port,
    adminPort,
    code,
    env: { GATEWAY_HOST: '127.0.0.1', GATEWAY_RATE_LIMIT_IP_PER_SECOND: '0', ...env, GATEWAY_PORT: String(port), GATEWAY_ADMIN_PORT: String(adminPort) },
  });
}
