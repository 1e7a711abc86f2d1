import { describe, expect, it } from 'vitest';
import { TransactionGroup } from './transaction-group.ts';

/** A commit function whose calls the test completes by hand. */
function manualCommits() {
  const calls: Array<{ units: string[]; done: () => void; fail: (err: Error) => void }> = [];
  const commit = (units: string[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ units, done: resolve, fail: reject });
    });
  return { calls, commit };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('TransactionGroup', () => {
  it('commits a unit handed in while idle at once, alone', async () => {
    const { calls, commit } = manualCommits();
    const group = new TransactionGroup(commit);
    const first = group.submit('a');
    expect(calls.map((c) => c.units)).toEqual([['a']]);
    calls[0]!.done();
    await expect(first).resolves.toBeUndefined();
  });

  it('gathers the units handed in during a commit into the next transaction', async () => {
    const { calls, commit } = manualCommits();
    const group = new TransactionGroup(commit);
    const a = group.submit('a');
    const b = group.submit('b');
    const c = group.submit('c');
    expect(calls).toHaveLength(1);
    calls[0]!.done();
    await a;
    await settled();
    expect(calls.map((x) => x.units)).toEqual([['a'], ['b', 'c']]);
    calls[1]!.done();
    await Promise.all([b, c]);
  });

  it('fails every unit of a failed transaction and goes on with the next group', async () => {
    const { calls, commit } = manualCommits();
    const group = new TransactionGroup(commit);
    const a = group.submit('a');
    const b = group.submit('b');
    const c = group.submit('c');
    calls[0]!.done();
    await a;
    await settled();
    const d = group.submit('d');
    calls[1]!.fail(new Error('aborted'));
    await expect(b).rejects.toThrow('aborted');
    await expect(c).rejects.toThrow('aborted');
    await settled();
    expect(calls[2]!.units).toEqual(['d']);
    calls[2]!.done();
    await expect(d).resolves.toBeUndefined();
  });

  it('starts again after going idle', async () => {
    const { calls, commit } = manualCommits();
    const group = new TransactionGroup(commit);
    const a = group.submit('a');
    calls[0]!.done();
    await a;
    await settled();
    const b = group.submit('b');
    expect(calls.map((x) => x.units)).toEqual([['a'], ['b']]);
    calls[1]!.done();
    await b;
  });
});
