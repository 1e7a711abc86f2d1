import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor, toPositive } from './murmur2.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('murmur2 (Java: org.apache.kafka.common.utils.Utils)', () => {
  it('matches the reference values of Kafka\'s own UtilsTest.testMurmur2', () => {
    expect(murmur2(bytes('21'))).toBe(-973932308);
    expect(murmur2(bytes('foobar'))).toBe(-790332482);
    expect(murmur2(bytes('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(bytes('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Uint8Array.from([0x61, 0x62, 0x63]))).toBe(479470107);
  });

  it('matches librdkafka\'s unittest_murmur2 vectors (every tail length, the empty key), as unsigned bit patterns', () => {
    const vectors: Array<[string, number]> = [
      ['kafka', 0xd067cf64],
      ['giberish123456789', 0x8f552b0c],
      ['1234', 0x9fc97b14],
      ['234', 0xe7c009ca],
      ['34', 0x873930da],
      ['4', 0x5a4b5ca1],
      ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
      ['', 0x106e08d9],
    ];
    for (const [key, unsigned] of vectors) expect(murmur2(bytes(key)) >>> 0, JSON.stringify(key)).toBe(unsigned);
  });

  it('toPositive clears the sign bit, as Java does (the most negative int becomes 0)', () => {
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(-(2 ** 31))).toBe(0);
    expect(toPositive(479470107)).toBe(479470107);
  });

  it('puts coupon keys (UTF-8 decimal text) on (murmur2 & 0x7fffffff) % partitions', () => {
    // "21": murmur2 -973932308 → positive 1173551340 → % 6 = 0, % 7 = 3.
    expect(partitionFor(bytes('21'), 6)).toBe(0);
    expect(partitionFor(bytes('21'), 7)).toBe(3);
    expect(partitionFor(bytes('foobar'), 6)).toBe((-790332482 & 0x7fffffff) % 6);
    expect(partitionFor(bytes('21'), 1)).toBe(0);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionFor(bytes('21'), 0)).toThrow(RangeError);
    expect(() => partitionFor(bytes('21'), 2.5)).toThrow(RangeError);
  });
});
