import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPipelined } from './pipeline.ts';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

describe('pipelined units', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => void process.off('unhandledRejection', onUnhandled));

  it('prepares the next unit while the previous one commits, and commits in order', async () => {
    const log: string[] = [];
    await runPipelined(
      [1, 2, 3],
      async (u) => {
        log.push(`prepare ${u}`);
        return later(5, u);
      },
      async (u) => {
        log.push(`commit ${u} start`);
        await later(20, undefined);
        log.push(`commit ${u} end`);
      },
    );
    expect(log).toEqual(['prepare 1', 'commit 1 start', 'prepare 2', 'commit 1 end', 'commit 2 start', 'prepare 3', 'commit 2 end', 'commit 3 start', 'commit 3 end']);
  });

  it('reports a commit that fails while the next unit prepares as the failure, never as an unhandled rejection', async () => {
    const fenced = new Error('fenced');
    const commits: number[] = [];
    const run = runPipelined(
      [1, 2, 3],
      (u) => later(u === 2 ? 50 : 0, u),
      async (u) => {
        commits.push(u);
        if (u === 1) throw fenced;
      },
    );
    await expect(run).rejects.toBe(fenced);
    await later(10, undefined); // let any stray rejection surface
    expect(unhandled).toEqual([]);
    expect(commits).toEqual([1]);
  });

  it('waits for the commit in flight before reporting a failed prepare', async () => {
    let committed = false;
    const run = runPipelined(
      [1, 2],
      async (u) => {
        if (u === 2) throw new Error('postgres down');
        return u;
      },
      async () => {
        await later(30, undefined);
        committed = true;
      },
    );
    await expect(run).rejects.toThrow('postgres down');
    expect(committed).toBe(true);
  });
});
