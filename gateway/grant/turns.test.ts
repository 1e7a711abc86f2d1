import { describe, expect, it } from 'vitest';
import { Turns, type Turn } from './turns.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A step of `ms` taken in its turn, handing over when it ends, failed or not. */
async function step(turn: Turn, ms: number, done: number[], id: number, fail = false): Promise<void> {
  try {
    await turn.after;
    await pause(ms);
    if (fail) throw new Error(`step ${id} failed`);
    done.push(id);
  } finally {
    turn.done();
  }
}

describe('Turns', () => {
  it('runs the steps in the order their turns were taken, whatever their durations', async () => {
    const turns = new Turns();
    const done: number[] = [];
    const [a, b, c] = [turns.next(), turns.next(), turns.next()];
    await Promise.all([step(c, 0, done, 3), step(b, 5, done, 2), step(a, 20, done, 1)]);
    expect(done).toEqual([1, 2, 3]);
  });

  it('hands over after a failed step', async () => {
    const turns = new Turns();
    const done: number[] = [];
    const [a, b] = [turns.next(), turns.next()];
    await Promise.all([expect(step(a, 5, done, 1, true)).rejects.toThrow('step 1 failed'), step(b, 0, done, 2)]);
    expect(done).toEqual([2]);
  });
});
