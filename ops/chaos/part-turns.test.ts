import { describe, expect, it } from 'vitest';
import { PartTurns } from './part-turns.ts';

/** A task that records when it starts and ends, and ends when told. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    run: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      return name;
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('PartTurns', () => {
  it('runs a second fault on the same part only after the first has ended', async () => {
    const log: string[] = [];
    const turns = new PartTurns();
    const loss = task(log, 'data loss');
    const stall = task(log, 'stall');
    const first = turns.take('redis', loss.run);
    const second = turns.take('redis', stall.run);
    await settled();
    expect(log).toEqual(['data loss start']);
    loss.finish();
    await first;
    await settled();
    stall.finish();
    expect(await second).toBe('stall');
    expect(log).toEqual(['data loss start', 'data loss end', 'stall start', 'stall end']);
  });

  it('lets faults on different parts, or on no part, overlap', async () => {
    const log: string[] = [];
    const turns = new PartTurns();
    const redis = task(log, 'redis');
    const postgres = task(log, 'postgres');
    const kill = task(log, 'kill');
    const all = Promise.all([turns.take('redis', redis.run), turns.take('postgres', postgres.run), turns.take(undefined, kill.run)]);
    await settled();
    expect(log.sort()).toEqual(['kill start', 'postgres start', 'redis start']);
    redis.finish();
    postgres.finish();
    kill.finish();
    await all;
  });

  it('gives the part to the next fault when the one before failed', async () => {
    const turns = new PartTurns();
    const failed = turns.take('redis', () => Promise.reject(new Error('no redis')));
    const next = turns.take('redis', async () => 'stalled');
    await expect(failed).rejects.toThrow('no redis');
    expect(await next).toBe('stalled');
  });
});
