/** Runs the real processor (`tsx processor/main.ts`) as a child process, for tests that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface ProcessorOptions {
  instanceId: string;
  mode?: 'batch' | 'single';
  env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof for profiling runs. */
  nodeArgs?: string[];
}

export class ProcessorProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly metricsPort: number,
    readonly exited: Promise<number | null>,
    readonly logFile: string,
  ) {}

  static async start(opts: ProcessorOptions): Promise<ProcessorProcess> {
    const port = await freePort();
    const logFile = path.join(ROOT, '.stack', 'logs', `test-processor-${opts.instanceId}.log`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    // node itself (not the tsx CLI, which runs a second process) so kill -9 hits the processor.
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'processor/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        PROCESSOR_INSTANCE_ID: opts.instanceId,
        PROCESSOR_MODE: opts.mode ?? 'batch',
        PROCESSOR_METRICS_PORT: String(port),
        PROCESSOR_LAG_INTERVAL_MS: '1000',
        ...opts.env,
      },
    });
    fs.closeSync(out);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
    return new ProcessorProcess(child, port, exited, logFile);
  }

  /** Resolves once /healthz answers 200 (the loop is running). */
  async ready(timeoutMs = 60_000): Promise<this> {
    await eventually(async () => {
      if (this.child.exitCode !== null) throw new Error(`processor exited with ${this.child.exitCode}; see ${this.logFile}`);
      const res = await fetch(`http://127.0.0.1:${this.metricsPort}/healthz`);
      return res.ok;
    }, timeoutMs, 200);
    return this;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`)).text();
  }

  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
