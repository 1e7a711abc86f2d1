import { describe, expect, it } from 'vitest';
import { parseStoredInteger, queuePosition } from './position.ts';

describe('queuePosition', () => {
  it('is the distance from the committed watermark', () => {
    expect(queuePosition(110, 99)).toBe(11);
    expect(queuePosition(100, 99)).toBe(1);
  });

  it('counts from the start of the partition when nothing is committed yet', () => {
    expect(queuePosition(0, undefined)).toBe(1);
    expect(queuePosition(41, undefined)).toBe(42);
    expect(queuePosition(41, -1)).toBe(42);
  });

  it('never goes below 1 once the processor has passed the request', () => {
    expect(queuePosition(5, 5)).toBe(1);
    expect(queuePosition(5, 900)).toBe(1);
  });
});

describe('parseStoredInteger', () => {
  it.each([
    ['12', 12],
    ['0', 0],
    ['-1', -1],
    [null, undefined],
    [undefined, undefined],
    ['', undefined],
    ['x', undefined],
    ['1.5', undefined],
    ['-2', undefined],
    ['99999999999999999999', undefined],
  ])('%s -> %s', (raw, expected) => {
    expect(parseStoredInteger(raw)).toBe(expected);
  });
});
