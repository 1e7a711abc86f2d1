import { describe, expect, it } from 'vitest';
import type { Gate } from '../gate.ts';
import { newProgress } from './grant-progress.ts';
import { awaitDecisions, type GrantUpload } from './grant-runner.ts';
import type { Grant, GrantStore } from './grant-store.ts';

const grant = (status: Grant['status'], pending: number): Grant => ({
  id: 'g',
  couponId: 1,
  status,
  uploaded: true,
  linesRead: 3,
  invalidLines: 0,
  counts: { users: 2, issued: 2 - pending, rejected: {}, failed: 0, refused: {}, pending },
  createdAt: '',
  updatedAt: '',
  completedAt: null,
});

function upload(): GrantUpload {
  const progress = { ...newProgress(0), produced: 2 };
  return { couponId: 1, grantId: 'g', progress, invalidLines: [], produced: [{ partition: 3, offset: 100, count: 2 }] };
}

/** The gate's watermark for partition 3, and a store whose settle answers `settled`. */
function deps(watermark: number | undefined, settled: Grant) {
  return { gate: { watermark: async () => watermark } as unknown as Gate, store: { settle: async () => settled } as unknown as GrantStore };
}

describe('awaitDecisions', () => {
  it('counts nothing decided when it gives up on a processor that never reached the requests', async () => {
    const state = upload();
    const result = await awaitDecisions(state, deps(undefined, grant('RUNNING', 2)), { timeoutMs: 30, pollMs: 5 });
    expect(result.status).toBe('RUNNING');
    expect(state.progress.decided).toBe(0);
  });

  it('counts every request decided once the ledger says DONE', async () => {
    const state = upload();
    const result = await awaitDecisions(state, deps(100, grant('DONE', 0)), { timeoutMs: 5000, pollMs: 5 });
    expect(result.status).toBe('DONE');
    expect(state.progress.decided).toBe(2);
  });
});
