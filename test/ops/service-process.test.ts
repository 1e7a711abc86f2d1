import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../ops/stack/paths.ts';
import { waitFor } from '../../ops/run/wait-for.ts';

/** Runs and is not a zombie (a child whose parent died may wait to be reaped by init). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (running(pid)) process.kill(pid, 'SIGKILL');
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
    expect(running(gatewayPid)).toBe(true);

    parent.kill('SIGKILL');
    await waitFor(() => !running(gatewayPid), 30_000, 100);
  });
});
