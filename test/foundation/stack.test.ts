/**
 * `stack:up` is idempotent: on a running stack it recognises every component as up and starts,
 * restarts or prepares nothing; `status` reports each component up. Runs the real CLI.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STACK_DIR } from '../../ops/stack/paths.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { managedComponents, runStackCli } from './stack-cli.ts';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every pid file of the stack, name → pid. */
function pidFiles(): Map<string, number | undefined> {
  const dir = `${STACK_DIR}/run`;
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pid')) : [];
  return new Map(names.map((f) => [f.replace(/\.pid$/, ''), readPid(f.replace(/\.pid$/, ''))]));
}

describe('stack CLI', () => {
  it('up on a running stack is a no-op: every component "already up", no pid changed, exit 0', async () => {
    const components = managedComponents();
    // The first run only makes sure the stack is up (it may start things); the second is the one judged.
    const first = await runStackCli('up');
    expect(first.code, first.stderr).toBe(0);
    const before = pidFiles();
    for (const name of components.flatMap((c) => c.processes)) expect(isAlive(before.get(name)), `${name} is running`).toBe(true);

    const second = await runStackCli('up');

    expect(second.code, second.stderr).toBe(0);
    for (const { name } of components) expect(second.stdout).toMatch(new RegExp(`^\\[stack\\] ${escape(name)}: already up at `, 'm'));
    expect(second.stdout).not.toMatch(/: (preparing|starting)$/m);
    expect(second.stdout).toMatch(/^\[stack\] ready in /m);
    // Only the managed components' pid files are compared: the optional fault-test clusters are
    // not up's business, and other test runs on this machine may start or stop them meanwhile.
    const after = pidFiles();
    for (const name of components.flatMap((c) => c.processes)) expect(after.get(name), `pid of ${name}`).toBe(before.get(name));
  });

  it('status exits 0 and lists each component as up', async () => {
    const status = await runStackCli('status');
    expect(status.code, status.stderr).toBe(0);
    for (const { name } of managedComponents()) expect(status.stdout).toMatch(new RegExp(`^\\[stack\\] ${escape(name)}\\s+up\\s+\\S`, 'm'));
  });
});
