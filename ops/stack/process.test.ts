import { describe, expect, it } from 'vitest';
import { childrenOf, parentPid } from './process.ts';

describe('parentPid', () => {
  it('reads field 4, even when the command holds spaces and parentheses', () => {
    expect(parentPid('23730 (postgres: x (y)) S 23729 23730 23730 0 -1')).toBe(23729);
  });
});

describe('childrenOf', () => {
  it("lists this process's parent among its parent's children", () => {
    expect(childrenOf(process.ppid)).toContain(process.pid);
  });
});
