/**
 * ops/launch.sh (npm run demo|bench|chaos): --help answers without the install check and without
 * the stack once dependencies are installed; a fresh machine installs first; a real run installs,
 * starts the stack, then runs the entry point.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './stack/paths.ts';

const run = promisify(execFile);
const LAUNCHER = path.join(ROOT, 'ops/launch.sh');

const writeScript = (file: string, body: string): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
};

/** A checkout of the launcher whose bootstrap and tsx only record that they ran; the bootstrap "installs" tsx. */
function fakeCheckout(dir: string, installed: boolean): { log: string } {
  const log = path.join(dir, 'calls.log');
  const tsx = path.join(dir, 'tsx-after-install');
  writeScript(tsx, `echo "tsx $*" >> '${log}'`);
  fs.mkdirSync(path.join(dir, 'ops'), { recursive: true });
  fs.copyFileSync(LAUNCHER, path.join(dir, 'ops/launch.sh'));
  writeScript(path.join(dir, 'ops/bootstrap.sh'), `echo bootstrap >> '${log}'\nmkdir -p node_modules/.bin\ncp '${tsx}' node_modules/.bin/tsx`);
  if (installed) {
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    fs.copyFileSync(tsx, path.join(dir, 'node_modules/.bin/tsx'));
  }
  return { log };
}

const calls = (log: string): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

// Each case starts real shells and node processes: seconds each on a busy machine.
describe('ops/launch.sh', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers --help with nothing else once dependencies are installed', async () => {
    const dir = tmp();
    const { log } = fakeCheckout(dir, true);
    await run('bash', [path.join(dir, 'ops/launch.sh'), '--stack', 'ops/demo/main.ts', '--users', '5', '--help']);
    expect(calls(log)).toEqual(['tsx ops/demo/main.ts --users 5 --help']);
    await run('bash', [path.join(dir, 'ops/launch.sh'), 'ops/chaos/main.ts', '-h']);
    expect(calls(log).at(-1)).toBe('tsx ops/chaos/main.ts -h');
  });

  it('answers its own --help with its usage, and nothing else', async () => {
    const dir = tmp();
    const { log } = fakeCheckout(dir, false);
    const { stdout } = await run('bash', [path.join(dir, 'ops/launch.sh'), '--help']);
    expect(stdout).toContain('bash ops/launch.sh [--stack] ENTRY.ts [ARGS...]');
    expect(calls(log)).toEqual([]);
  });

  it('installs first on a fresh machine, still without the stack', async () => {
    const dir = tmp();
    const { log } = fakeCheckout(dir, false);
    await run('bash', [path.join(dir, 'ops/launch.sh'), '--stack', 'ops/bench/main.ts', '--help']);
    expect(calls(log)).toEqual(['bootstrap', 'tsx ops/bench/main.ts --help']);
  });

  it('installs, starts the stack and runs the entry point otherwise', async () => {
    const dir = tmp();
    const { log } = fakeCheckout(dir, true);
    await run('bash', [path.join(dir, 'ops/launch.sh'), '--stack', 'ops/demo/main.ts', '--users', '5', '--', '--help']);
    expect(calls(log)).toEqual(['bootstrap', 'tsx ops/stack/cli.ts up', 'tsx ops/demo/main.ts --users 5 -- --help']);
    fs.rmSync(log);
    await run('bash', [path.join(dir, 'ops/launch.sh'), 'ops/chaos/main.ts']);
    expect(calls(log)).toEqual(['bootstrap', 'tsx ops/chaos/main.ts']);
  });

  it.each(['demo', 'bench', 'chaos', 'stack:up', 'stack:down', 'stack:status', 'ops', 'setup', 'provision'])('npm run %s -- --help prints the real usage where an install or a stack would fail', async (command) => {
    // Every install step and every stack address would fail here: the bootstrap's first tool is
    // missing, and the stack (external addresses on port 1) could not be provisioned.
    const bin = tmp();
    for (const tool of ['sha256sum', 'apt-get', 'sudo', 'npm', 'java']) writeScript(path.join(bin, tool), `echo "${tool} must not run" >&2\nexit 97`);
    const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts[command] as string;
    // As npm runs it: the script and its arguments in a shell, node_modules/.bin on the PATH.
    const { stdout } = await run('sh', ['-c', `${script} --help`], {
      cwd: ROOT,
      env: {
        ...process.env,
        PATH: `${path.join(ROOT, 'node_modules/.bin')}:${bin}:${process.env.PATH}`,
        KAFKA_BROKERS: '127.0.0.1:1',
        SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing',
        REDIS_URL: 'redis://127.0.0.1:1',
      },
    });
    expect(stdout).toContain(`npm run ${command}`);
    expect(stdout).not.toMatch(/\[setup\]|\[stack\]/);
  });
});
