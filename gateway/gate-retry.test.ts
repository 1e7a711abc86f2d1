import { describe, expect, it } from 'vitest';
import { withGateRetry } from './gate-retry.ts';

describe('withGateRetry', () => {
  it('tries again after a failure and answers with the first success', async () => {
    let calls = 0;
    const retried: number[] = [];
    const answer = await withGateRetry(
      async () => {
        if (++calls < 3) throw new Error('Command timed out');
        return 'ok';
      },
      { firstPauseMs: 1, onRetry: (_err, attempt) => retried.push(attempt) },
    );
    expect(answer).toBe('ok');
    expect(retried).toEqual([1, 2]);
  });

  it('gives up after the last try with its failure', async () => {
    let calls = 0;
    await expect(
      withGateRetry(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { attempts: 3, firstPauseMs: 1 },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });
});
