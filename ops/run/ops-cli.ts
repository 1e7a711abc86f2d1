/**
 * The operator CLI's entry in a checkout (`npm run ops`), and how the bench, the chaos run and the
 * tests run it: as a child process, as an operator would, that ends with them. A grant CLI left
 * running by a chaos run or a test killed by a signal went on producing into the next run's stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT } from './service-process.ts';

export const OPS_CLI = fileURLToPath(new URL('../cli/coupon-ops.mjs', import.meta.url));

export interface OpsCliExit {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface OpsCliRun {
  child: ChildProcess;
  exited: Promise<OpsCliExit>;
}

/** Starts `coupon-ops <args>` with the environment `env` added to this process's. */
export function startOpsCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): OpsCliRun {
  // The IPC channel is how the child notices this process is gone (exit-with-parent.mjs).
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, OPS_CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  const exited = new Promise<OpsCliExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
  });
  return { child, exited };
}
