import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

/** A batcher whose flush runs when the test says so; records every batch it ran. */
function manual(maxItems = 100, answer = (key: string, items: number[]) => Promise.resolve(items.map((i) => `${key}:${i}`))) {
  const flushes: (() => void)[] = [];
  const batches: [string, number[]][] = [];
  const batcher = new Batcher<string, number, string>(
    (key, items) => {
      batches.push([key, [...items]]);
      return answer(key, items);
    },
    maxItems,
    (flush) => flushes.push(flush),
  );
  return { batcher, batches, flush: () => flushes.splice(0).forEach((f) => f()) };
}

describe('Batcher', () => {
  it('runs what was submitted before a flush as one batch per key, answering each caller', async () => {
    const { batcher, batches, flush } = manual();
    const answers = Promise.all([batcher.submit('a', 1), batcher.submit('b', 2), batcher.submit('a', 3)]);
    expect(batches).toEqual([]);
    flush();
    expect(await answers).toEqual(['a:1', 'b:2', 'a:3']);
    expect(batches).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });

  it('schedules one flush per turn and a new one after it', async () => {
    const { batcher, batches, flush } = manual();
    const first = batcher.submit('a', 1);
    flush();
    const second = batcher.submit('a', 2);
    flush();
    expect(await Promise.all([first, second])).toEqual(['a:1', 'a:2']);
    expect(batches).toEqual([
      ['a', [1]],
      ['a', [2]],
    ]);
  });

  it('starts a full batch at once', async () => {
    const { batcher, batches } = manual(2);
    const answers = Promise.all([batcher.submit('a', 1), batcher.submit('a', 2)]);
    expect(await answers).toEqual(['a:1', 'a:2']);
    expect(batches).toEqual([['a', [1, 2]]]);
  });

  it('runs what is queued when flushed before its scheduled flush, which then finds nothing', async () => {
    const { batcher, batches, flush } = manual();
    const answer = batcher.submit('a', 1);
    batcher.flush();
    expect(await answer).toBe('a:1');
    flush();
    expect(batches).toEqual([['a', [1]]]);
  });

  it("fails every caller of a batch with the batch's error", async () => {
    const boom = new Error('connection lost');
    const { batcher, flush } = manual(100, () => Promise.reject(boom));
    const answers = [batcher.submit('a', 1), batcher.submit('a', 2)].map((p) => p.catch((err: unknown) => err));
    flush();
    expect(await Promise.all(answers)).toEqual([boom, boom]);
  });

  it('fails every caller when the batch answers a different number of results', async () => {
    const { batcher, flush } = manual(100, () => Promise.resolve(['only one']));
    const answers = [batcher.submit('a', 1), batcher.submit('a', 2)].map((p) => p.catch((err: Error) => err.message));
    flush();
    expect(await Promise.all(answers)).toEqual(['a batch of 2 got 1 answers', 'a batch of 2 got 1 answers']);
  });
});

describe('Batcher.add', () => {
  it('batches items added without an answer together with answered ones, in order', async () => {
    const { batcher, batches, flush } = manual();
    batcher.add('a', 1);
    const answer = batcher.submit('a', 2);
    batcher.add('a', 3);
    flush();
    expect(await answer).toBe('a:2');
    expect(batches).toEqual([['a', [1, 2, 3]]]);
  });

  it("leaves a failed batch's unanswered items to the run itself (nothing is rejected unhandled)", async () => {
    const { batcher, batches, flush } = manual(100, () => Promise.reject(new Error('connection lost')));
    batcher.add('a', 1);
    flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['a', [1]]]);
  });
});
