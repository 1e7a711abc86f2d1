import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from './decode.ts';
import { PartitionBuffers } from './partition-buffers.ts';

const record = (partition: number, offset: number): SourceRecord => ({ topic: 'requests', partition, offset, key: null, value: null, headers: [], timestamp: 0 });
const offsets = (records: SourceRecord[]): number[] => records.map((r) => r.offset);

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

describe('PartitionBuffers', () => {
  it('hands a partition its records in offset order, in units of at most the size asked for', () => {
    const buffers = new PartitionBuffers();
    buffers.assign([0, 1]);
    buffers.add([record(0, 10), record(1, 5), record(0, 11), record(0, 12)], 0);
    expect(buffers.size).toBe(4);
    expect(offsets(buffers.take(0, 2))).toEqual([10, 11]);
    expect(offsets(buffers.take(0, 2))).toEqual([12]);
    expect(buffers.take(0, 2)).toEqual([]);
    expect(buffers.size).toBe(1);
  });

  it('lets go of the records it handed out while the partition never runs dry (a backlog)', async () => {
    const buffers = new PartitionBuffers();
    buffers.assign([0]);
    let next = 0;
    const poll = (n: number): void => buffers.add(Array.from({ length: n }, () => record(0, next++)), 0);
    poll(5000);
    const firstTaken = new WeakRef(buffers.take(0, 1000)[0]!);
    for (let i = 0; i < 10; i++) {
      poll(1000);
      buffers.take(0, 1000);
    }
    expect(buffers.size).toBe(4000);
    // A WeakRef holds its target until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(firstTaken.deref()).toBeUndefined();
    expect(offsets(buffers.take(0, 4000))).toEqual(Array.from({ length: 4000 }, (_, i) => 11_000 + i));
  });

  it('drops records of partitions it was not assigned, and everything on unassign', () => {
    const buffers = new PartitionBuffers();
    buffers.assign([1]);
    buffers.add([record(0, 1), record(1, 1)], 0);
    expect(buffers.size).toBe(1);
    expect(buffers.ready()).toEqual([1]);
    buffers.unassign();
    expect(buffers.size).toBe(0);
    expect(buffers.assigned(1)).toBe(false);
  });

  it('offers the partition that has waited longest first, and none that is empty', () => {
    const buffers = new PartitionBuffers();
    buffers.assign([0, 1, 2]);
    buffers.add([record(2, 1)], 100);
    buffers.add([record(0, 1)], 200);
    buffers.add([record(2, 2)], 300);
    expect(buffers.ready()).toEqual([2, 0]);
    buffers.take(2, 10);
    buffers.add([record(2, 3)], 400);
    expect(buffers.ready()).toEqual([0, 2]);
  });

  it('rewinds a failed partition to its first record not committed, and drops what is polled until it sought back', () => {
    const buffers = new PartitionBuffers();
    buffers.assign([0]);
    buffers.add([record(0, 40), record(0, 41), record(0, 42), record(0, 43)], 0);
    buffers.take(0, 2);
    buffers.committed(0, 42);
    buffers.take(0, 2);
    expect(buffers.rewind(0)).toBe(42);
    buffers.add([record(0, 44)], 0); // fetched before the seek: must not be processed
    expect(buffers.ready()).toEqual([]);
    expect(buffers.size).toBe(0);
    buffers.sought(0);
    buffers.add([record(0, 42)], 0);
    expect(offsets(buffers.take(0, 10))).toEqual([42]);
  });

  it('rewinds to the first record received when nothing of the assignment committed yet', () => {
    const buffers = new PartitionBuffers();
    buffers.assign([3]);
    buffers.add([record(3, 7), record(3, 8)], 0);
    expect(buffers.rewind(3)).toBe(7);
    expect(buffers.rewind(4)).toBeUndefined();
  });
});
