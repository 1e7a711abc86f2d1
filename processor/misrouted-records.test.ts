import client from 'prom-client';
import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { SourceRecord } from './decode.ts';
import { MisroutedRecords } from './misrouted-records.ts';
import { partitionFor } from '../schemas/murmur2.ts';

const record = (key: string | null, partition: number, offset = 0): SourceRecord => ({
  topic: 'coupon-issue-requests',
  partition,
  offset,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from([0]),
  headers: [],
  timestamp: 0,
});

function setup() {
  const counter = new client.Counter({ name: 'misrouted_test_total', help: 'test', registers: [] });
  const log = { warn: vi.fn(), debug: vi.fn() };
  let now = 1_000_000;
  const detector = new MisroutedRecords(counter, log as unknown as Logger, () => now);
  const total = async (): Promise<number> => (await counter.get()).values[0]?.value ?? 0;
  return { detector, log, total, advance: (ms: number) => (now += ms) };
}

// murmur2("21") & 0x7fffffff = 1173551340: partition 0 of 6.
const HOME = partitionFor(Buffer.from('21'), 6);

describe('MisroutedRecords', () => {
  it('judges nothing before the partition count is known', async () => {
    const { detector, total } = setup();
    expect(detector.observe([record('21', HOME + 1)])).toBe(0);
    expect(await total()).toBe(0);
  });

  it('counts the records that sit on another partition than murmur2 of their key, and only those', async () => {
    const { detector, total } = setup();
    detector.partitionCount = 6;
    expect(HOME).toBe(0);
    expect(detector.observe([record('21', 0), record('21', 3), record('21', 5), record(null, 4), record('', 2)])).toBe(2);
    expect(await total()).toBe(2);
  });

  it('skips partitions beyond the known count (partitions added since), and the count only grows', async () => {
    const { detector, total } = setup();
    detector.partitionCount = 6;
    detector.partitionCount = 3;
    expect(detector.observe([record('21', 7)])).toBe(0);
    expect(detector.observe([record('21', 4)])).toBe(1);
    expect(await total()).toBe(1);
  });

  it('warns once per coupon and minute, naming the coupon and both partitions', () => {
    const { detector, log, advance } = setup();
    detector.partitionCount = 6;
    detector.observe([record('21', 3, 10), record('21', 4, 11)]);
    advance(59_000);
    detector.observe([record('21', 3, 12)]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![0]).toEqual({ coupon: '21', partition: 3, expectedPartition: 0, partitions: 6, offset: 10 });

    const other = [1, 2, 3, 4, 5].map(String).find((k) => partitionFor(Buffer.from(k), 6) !== 1)!;
    detector.observe([record(other, 1)]);
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.warn.mock.calls[1]![0]).toMatchObject({ coupon: other });

    advance(1_000);
    detector.observe([record('21', 5, 13)]);
    expect(log.warn).toHaveBeenCalledTimes(3);
    expect(log.warn.mock.calls[2]![0]).toMatchObject({ coupon: '21', offset: 13 });
  });
});
