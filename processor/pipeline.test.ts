import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPipelined, type PipelineStages } from './pipeline.ts';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

/** Stages that log when each step of each unit starts and ends. */
function logged(log: string[], ms: { stage?: number; decide: number; commit: number }): PipelineStages<number, number, number> {
  const step = (name: string, wait: number) => async (u: number): Promise<number> => {
    log.push(`${name} ${u}`);
    await later(wait, undefined);
    log.push(`${name} ${u} end`);
    return u;
  };
  return {
    stage: step('stage', ms.stage ?? 0),
    decide: step('decide', ms.decide),
    commit: async (u) => void (await step('commit', ms.commit)(u)),
    discard: async (u) => void log.push(`discard ${u}`),
  };
}

describe('pipelined units', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => void process.off('unhandledRejection', onUnhandled));

  it('stages the next unit and commits the previous one while a unit is decided', async () => {
    const log: string[] = [];
    await runPipelined([1, 2, 3], logged(log, { decide: 30, commit: 5 }));
    const during = (what: string): string[] => log.slice(log.indexOf(what) + 1, log.indexOf(`${what} end`));
    expect(during('decide 2')).toEqual(expect.arrayContaining(['stage 3', 'stage 3 end', 'commit 1', 'commit 1 end']));
    expect(during('decide 3')).toEqual(expect.arrayContaining(['commit 2', 'commit 2 end']));
  });

  it('commits a decided unit while the next one is still being staged (its load waits for Postgres)', async () => {
    const log: string[] = [];
    const stages = logged(log, { decide: 5, commit: 5 });
    const slowStage = stages.stage;
    stages.stage = async (u) => (u === 1 ? slowStage(u) : (await later(60, undefined), slowStage(u)));
    await runPipelined([1, 2], stages);
    expect(log.indexOf('commit 1 end')).toBeGreaterThan(-1);
    expect(log.indexOf('commit 1 end')).toBeLessThan(log.indexOf('stage 2'));
  });

  it('decides one unit at a time and commits in order, each commit after its own decision', async () => {
    const log: string[] = [];
    await runPipelined([1, 2, 3, 4], logged(log, { stage: 1, decide: 10, commit: 25 }));
    const starts = (step: string): string[] => log.filter((l) => l.startsWith(`${step} `) && !l.endsWith('end'));
    expect(starts('decide')).toEqual(['decide 1', 'decide 2', 'decide 3', 'decide 4']);
    expect(starts('commit')).toEqual(['commit 1', 'commit 2', 'commit 3', 'commit 4']);
    for (const u of [2, 3, 4]) expect(log.indexOf(`decide ${u}`)).toBeGreaterThan(log.indexOf(`decide ${u - 1} end`));
    for (const u of [2, 3, 4]) expect(log.indexOf(`commit ${u}`)).toBeGreaterThan(log.indexOf(`commit ${u - 1} end`));
    for (const u of [1, 2, 3, 4]) expect(log.indexOf(`commit ${u}`)).toBeGreaterThan(log.indexOf(`decide ${u} end`));
  });

  it('reports a commit that fails while the next unit is decided as the failure, never as an unhandled rejection', async () => {
    const fenced = new Error('fenced');
    const commits: number[] = [];
    const decisions: number[] = [];
    const run = runPipelined([1, 2, 3, 4], {
      stage: async (u) => u,
      decide: async (u) => {
        decisions.push(u);
        return later(10, u);
      },
      commit: async (u) => {
        commits.push(u);
        if (u === 1) throw fenced;
      },
      discard: async () => undefined,
    });
    await expect(run).rejects.toBe(fenced);
    await later(30, undefined); // let any stray rejection or late step surface
    expect(unhandled).toEqual([]);
    expect(commits).toEqual([1]);
    expect(decisions).toEqual([1, 2, 3]);
  });

  it('commits the units decided before a stage failed, then reports the failure', async () => {
    const done: string[] = [];
    const run = runPipelined([1, 2, 3], {
      stage: async (u) => {
        if (u === 3) throw new Error('registry down');
        return u;
      },
      decide: async (u) => {
        await later(20, undefined);
        done.push(`decide ${u}`);
        return u;
      },
      commit: async (u) => {
        await later(40, undefined);
        done.push(`commit ${u}`);
      },
      discard: async (u) => void done.push(`discard ${u}`),
    });
    await expect(run).rejects.toThrow('registry down');
    expect(done).toEqual(['decide 1', 'decide 2', 'commit 1', 'commit 2']);
  });

  it('stops at a failed decision: the unit before it still commits, no later unit is decided or committed, and the one staged meanwhile is given back', async () => {
    const done: string[] = [];
    const run = runPipelined([1, 2, 3], {
      stage: async (u) => u,
      decide: async (u) => {
        if (u === 2) throw new Error('postgres down');
        done.push(`decide ${u}`);
        return u;
      },
      commit: async (u) => {
        await later(20, undefined);
        done.push(`commit ${u}`);
      },
      discard: async (u) => void done.push(`discard ${u}`),
    });
    await expect(run).rejects.toThrow('postgres down');
    await later(30, undefined);
    expect(done).toEqual(['decide 1', 'discard 3', 'commit 1']);
  });
});
