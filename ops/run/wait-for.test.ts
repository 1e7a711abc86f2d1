import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor()', () => {
  it('resolves with the first truthy value, polling past falsy values and throws', async () => {
    let round = 0;
    const value = await waitFor(() => {
      round += 1;
      if (round === 1) throw new Error('not up yet');
      return round === 2 ? 0 : `up after ${round}`;
    }, 1000, 1);
    expect(value).toBe('up after 3');
  });

  it('rejects at the deadline with the last error as the cause', async () => {
    const down = new Error('connection refused');
    await expect(waitFor(() => Promise.reject(down), 20, 5)).rejects.toMatchObject({ message: 'timed out after 20 ms: connection refused', cause: down });
  });

  it('stops at once when giveUp gives a reason', async () => {
    await expect(waitFor(() => false, 60_000, 5, () => 'the process exited')).rejects.toThrow('the process exited');
  });
});
