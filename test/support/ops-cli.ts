/** Runs the operator CLI as an operator would (the `coupon-ops` bin), with the stack's endpoints. */
import { startOpsCli } from '../../ops/run/ops-cli.ts';

export interface OpsRun {
  code: number;
  stdout: string;
  stderr: string;
}

const TIMEOUT_MS = 120_000;

/** Resolves with how the command exited; rejects when it did not exit by itself (killed after TIMEOUT_MS, or by someone else). */
export async function runOps(args: string[], env: NodeJS.ProcessEnv = {}): Promise<OpsRun> {
  const { child, exited } = startOpsCli(args, env);
  const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
  try {
    const { code, signal, stdout, stderr } = await exited;
    if (code === null) throw new Error(`coupon-ops ${args.join(' ')} ended by ${signal}${child.killed ? ` after ${TIMEOUT_MS} ms` : ''}: ${stderr}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command with --json and parses its output; fails with the CLI's stderr when it does not exit 0. */
export async function opsJson<T>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const run = await runOps([...args, '--json'], env);
  if (run.code !== 0) throw new Error(`coupon-ops ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
