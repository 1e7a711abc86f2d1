import { describe, expect, it } from 'vitest';
import { formatPosition, HEADERS, parsePosition } from './headers.ts';

describe('record positions in headers', () => {
  it('name the replay header once', () => {
    expect(HEADERS.replayedFrom).toBe('coupon-replayed-from');
  });

  it('round-trip partition:offset', () => {
    expect(formatPosition({ partition: 0, offset: 1234 })).toBe('0:1234');
    expect(parsePosition('0:1234')).toEqual({ partition: 0, offset: 1234 });
    expect(parsePosition(' 3:0 ')).toEqual({ partition: 3, offset: 0 });
  });

  it.each(['', '1', ':1', '1:', '-1:2', '1:-2', 'a:b', '1:2:3', '1.5:2', '0:99999999999999999'])('refuse %j', (text) => {
    expect(parsePosition(text)).toBeNull();
  });
});
