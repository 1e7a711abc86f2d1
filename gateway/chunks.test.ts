import { describe, expect, it } from 'vitest';
import { chunksByWeight, chunksOf } from './chunks.ts';

describe('chunksOf', () => {
  it('cuts into runs of at most the size, in order', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([], 2)).toEqual([]);
  });
});

describe('chunksByWeight', () => {
  const byValue = (n: number): number => n;

  it('cuts into runs of at most the weight, in order', () => {
    expect(chunksByWeight([3, 3, 3, 1, 5], byValue, 6, 10)).toEqual([[3, 3], [3, 1], [5]]);
  });

  it('puts an item heavier than the bound in a run of its own', () => {
    expect(chunksByWeight([1, 50, 1, 1], byValue, 10, 10)).toEqual([[1], [50], [1, 1]]);
  });

  it('also bounds the items of a run', () => {
    expect(chunksByWeight([1, 1, 1, 1, 1], byValue, 100, 2)).toEqual([[1, 1], [1, 1], [1]]);
    expect(chunksByWeight([], byValue, 100, 2)).toEqual([]);
  });
});
