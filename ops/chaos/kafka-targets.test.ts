import { describe, expect, it } from 'vitest';
import { coordinatorPartition, javaHashCode } from './kafka-targets.ts';

describe('javaHashCode', () => {
  it("matches Java's String.hashCode", () => {
    // Values computed by the JVM: "".hashCode(), "a".hashCode(), "hello".hashCode(), a long one that overflows.
    expect(javaHashCode('')).toBe(0);
    expect(javaHashCode('a')).toBe(97);
    expect(javaHashCode('hello')).toBe(99162322);
    expect(javaHashCode('coupon-processor-instance-1')).toBe(javaHashCode('coupon-processor-instance-1'));
    expect(javaHashCode('polygenelubricants')).toBe(-2147483648);
  });
});

describe('coordinatorPartition', () => {
  it("is Kafka's abs(hashCode) % partitions, also for Integer.MIN_VALUE", () => {
    expect(coordinatorPartition('hello', 50)).toBe(99162322 % 50);
    expect(coordinatorPartition('polygenelubricants', 12)).toBe(0);
    for (const id of ['a', 'chaos-1-p1', 'chaos-1-p2']) {
      const p = coordinatorPartition(id, 12);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(12);
    }
  });
});
