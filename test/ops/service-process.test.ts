import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../ops/stack/paths.ts';
import { isAlive } from '../../ops/stack/process.ts';
import { waitFor } from '../../ops/run/wait-for.ts';

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe('a service started through ServiceProcess', () => {
  it('stops once the process that started it is killed (SIGKILL runs none of that process’s exit hooks)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/service-parent.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    leftovers.push(parent.pid!);
    const [line] = await Promise.race([
      readline.createInterface({ input: parent.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string | undefined]),
      new Promise<never>((_, reject) => parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before its gateway was ready`)))),
    ]);
    const gatewayPid = Number(line);
    leftovers.push(gatewayPid);
    expect(isAlive(gatewayPid)).toBe(true);

    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(gatewayPid), 30_000, 100);
  });
});
