/** Runs the operator CLI as an operator would (the `coupon-ops` bin), with the stack's endpoints. */
import { execFile } from 'node:child_process';
import { OPS_CLI } from '../../ops/run/ops-cli.ts';

export interface OpsRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runOps(args: string[], env: NodeJS.ProcessEnv = {}): Promise<OpsRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [OPS_CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/** Runs a command with --json and parses its output; fails with the CLI's stderr when it does not exit 0. */
export async function opsJson<T>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const run = await runOps([...args, '--json'], env);
  if (run.code !== 0) throw new Error(`coupon-ops ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
