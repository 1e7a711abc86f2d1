/**
 * A grant stays at most maxUndecided requests ahead of the processor: the next batch waits for the
 * processor's watermark, and goes on without it once the processor decided nothing for a while.
 * The processor here is the watermark a gate reads (the test moves it); Redis, Postgres, the
 * broker and the registry are the stack's.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Gate } from '../../gateway/gate.ts';
import { startUpload, uploadGrant, type GrantOptions, type GrantUpload } from '../../gateway/grant/grant-runner.ts';
import { GrantStore } from '../../gateway/grant/grant-store.ts';
import { eventually } from '../support/eventually.ts';
import { grantableCoupon, runnerParts, userLines } from '../support/grants.ts';

/** A gate whose processor watermark the test sets, counting how often the grant reads it. */
class ProcessorAtGate extends Gate {
  mark = -1;
  reads = 0;

  override async watermark(): Promise<number | undefined> {
    this.reads++;
    return this.mark;
  }
}

const parts = runnerParts('grant-backlog-test');

async function startGrant(gate: ProcessorAtGate, options: Partial<GrantOptions>): Promise<{ upload: GrantUpload; done: Promise<unknown> }> {
  const couponId = await grantableCoupon(parts.db, gate, 100);
  const grantId = `backlog-${randomUUID().slice(0, 8)}`;
  const upload = startUpload({ couponId, grantId });
  const deps = { gate, producer: parts.producer, store: new GrantStore(parts.db), log: pino({ level: 'silent' }) };
  const done = uploadGrant(userLines(40), deps, { couponId, grantId, batchSize: 10, concurrency: 1, ...options }, upload);
  return { upload, done };
}

describe('a grant ahead of the processor', () => {
  it('lets the next batch enter the gate only once at most maxUndecided of its requests wait for the processor', async () => {
    const gate = new ProcessorAtGate(parts.redis);
    const { upload, done } = await startGrant(gate, { maxUndecided: 10, processorStallMs: 60_000 });
    // Batch 1 goes (nothing waits), batch 2 goes (10 wait), batch 3 waits (20 do).
    await eventually(() => upload.progress.produced === 20);
    const readsThen = gate.reads;
    await eventually(() => gate.reads >= readsThen + 5);
    expect(upload.progress.produced).toBe(20);
    // The processor decides the first batch: 10 wait, the third batch goes, the fourth waits.
    gate.mark = upload.produced[0]!.offset;
    await eventually(() => upload.progress.produced === 30);
    const readsLater = gate.reads;
    await eventually(() => gate.reads >= readsLater + 5);
    expect(upload.progress.produced).toBe(30);
    gate.mark = upload.produced[2]!.offset;
    await done;
    expect(upload.progress).toMatchObject({ users: 40, produced: 40, reserved: 40 });
  });

  it('goes on without waiting once the processor decided nothing for processorStallMs', async () => {
    const gate = new ProcessorAtGate(parts.redis);
    const { upload, done } = await startGrant(gate, { maxUndecided: 10, processorStallMs: 300 });
    await done;
    expect(upload.progress).toMatchObject({ users: 40, produced: 40, reserved: 40 });
  });
});
