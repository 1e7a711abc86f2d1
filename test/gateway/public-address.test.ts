/**
 * `npm run gateway` on a non-loopback address: without end-user tokens it refuses to start (the
 * body's userId would be trusted from anywhere) and says why; with the explicit opt-in it starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { gatewayTestEnv } from '../support/gateway-harness.ts';

const PORT = 20430;
const ADMIN_PORT = 20431;

/** Killed after each test, whatever it found: a gateway that did start must not keep the ports. */
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function runGateway(env: NodeJS.ProcessEnv): { exited: Promise<number | null>; output: () => string; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    env: gatewayTestEnv({ GATEWAY_HOST: '0.0.0.0', GATEWAY_PORT: String(PORT), GATEWAY_ADMIN_PORT: String(ADMIN_PORT), LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, output: () => output, kill: () => child.kill('SIGTERM') };
}

describe('a gateway on a public address', () => {
  it('refuses to start without end-user tokens, naming the way out', async () => {
    const gateway = runGateway({});
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(/refusing to listen on 0\.0\.0\.0 \(not a loopback address\) without end-user tokens.*GATEWAY_TRUST_BODY_USER_ID=true/);
  });

  it('starts when told that the userId is trusted, with the admin listener still on loopback', async () => {
    const gateway = runGateway({ GATEWAY_TRUST_BODY_USER_ID: 'true' });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${PORT}/healthz`).catch(() => undefined))?.ok === true, 60_000, 200);
      expect(gateway.output()).toMatch(new RegExp(`"admin":"127\\.0\\.0\\.1:${ADMIN_PORT}"`));
    } finally {
      gateway.kill();
      expect(await gateway.exited).toBe(0);
    }
  });
});
