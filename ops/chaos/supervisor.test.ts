import { describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../run/service-process.ts';
import { lastFatalMessage, Supervised } from './supervisor.ts';

describe('lastFatalMessage', () => {
  it("reads the last fatal line's message and error, skipping a line cut short", () => {
    const log = [
      '{"level":60,"msg":"old","err":{"message":"first"}}',
      '{"level":40,"msg":"warning"}',
      '{"level":60,"msg":"the processor stops","err":{"message":"fenced"}}',
      '{"level":60,"msg":"cut sh',
    ].join('\n');
    expect(lastFatalMessage(log)).toBe('the processor stops: fenced');
  });

  it('is undefined without a fatal line', () => {
    expect(lastFatalMessage('{"level":30,"msg":"hi"}\n')).toBeUndefined();
  });
});

/** A stand-in for a started service: exits with `exitCode` before it is ready, or becomes ready. */
function fakeService(exitCode: number | null): ServiceProcess {
  let exit!: (code: number | null) => void;
  const exited = new Promise<number | null>((resolve) => (exit = resolve));
  const child = { exitCode: null as number | null, signalCode: null, kill: () => true };
  const ready = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (exitCode === null) return;
    child.exitCode = exitCode;
    exit(exitCode);
    throw new Error(`exited with ${exitCode}`);
  };
  return { child, exited, ready, logFile: '/nonexistent/service.log', stop: async () => 0 } as unknown as ServiceProcess;
}

describe('Supervised.start', () => {
  it('waits through an instance that exits before it is ready, and is done once its restart is ready', async () => {
    const launched = [fakeService(1), fakeService(1), fakeService(null)];
    let next = 0;
    const said: string[] = [];
    const supervised = new Supervised('gateway', async () => launched[next++]!, (m) => said.push(m), 1);
    await supervised.start();
    expect(next).toBe(3);
    expect(supervised.service).toBe(launched[2]);
    expect(supervised.restarts).toBe(2);
    expect(supervised.exits.map((e) => e.code)).toEqual([1, 1]);
    expect(said.filter((m) => m.includes('not ready after start'))).toHaveLength(2);
  });

  it('stops waiting after a few exits in a row, and its supervision goes on', async () => {
    let launches = 0;
    const supervised = new Supervised('gateway', async () => (launches++, fakeService(1)), () => undefined, 1);
    await supervised.start();
    // The first instance and three restarts, each exited before it was ready.
    expect(launches).toBe(4);
    for (const deadline = Date.now() + 5000; launches < 5 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(launches).toBe(5);
    await supervised.stop();
  });
});
