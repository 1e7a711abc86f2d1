/** Runs the stack CLI (`npx tsx ops/stack/cli.ts ...`) as a user would and captures what it says. */
import { execFile } from 'node:child_process';
import { isExternal, type Endpoints } from '../../platform/endpoints.ts';
import { ROOT } from '../../ops/stack/paths.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runStackCli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'ops/stack/cli.ts', ...args], { cwd: ROOT, timeout: 300_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The components a plain `up` manages, with their pid-file names; external ones (address variable set) are left out, as the CLI does. */
export function managedComponents(): Array<{ name: string; processes: string[] }> {
  const all: Array<{ name: string; endpoint: keyof Endpoints; processes: string[] }> = [
    { name: 'postgres', endpoint: 'databaseUrl', processes: ['postgres'] },
    { name: 'redis', endpoint: 'redisUrl', processes: ['redis'] },
    { name: 'kafka', endpoint: 'kafkaBrokers', processes: ['kafka-1'] },
    { name: 'registry', endpoint: 'schemaRegistryUrl', processes: ['registry'] },
  ];
  return all.filter((c) => !isExternal(c.endpoint)).map(({ name, processes }) => ({ name, processes }));
}
