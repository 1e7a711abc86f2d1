import { describe, expect, it } from 'vitest';
import { Backlog } from './backlog.ts';

describe('Backlog', () => {
  it('lets a batch go while at most maxUndecided requests wait, and holds it beyond', () => {
    const backlog = new Backlog(100, 5000);
    expect(backlog.verdict({ undecided: 100, decided: 0, now: 0 })).toBe('go');
    expect(backlog.verdict({ undecided: 101, decided: 0, now: 10 })).toBe('wait');
    expect(backlog.verdict({ undecided: 60, decided: 41, now: 20 })).toBe('go');
  });

  it('keeps waiting while the processor decides, however long it takes', () => {
    const backlog = new Backlog(100, 5000);
    for (let t = 0, decided = 0; t <= 20_000; t += 1000, decided += 1) expect(backlog.verdict({ undecided: 500 - decided, decided, now: t })).toBe('wait');
  });

  it('stops waiting once the processor decided nothing for stallMs, until it decides again', () => {
    const backlog = new Backlog(100, 5000);
    expect(backlog.verdict({ undecided: 500, decided: 10, now: 0 })).toBe('wait');
    expect(backlog.verdict({ undecided: 500, decided: 10, now: 4999 })).toBe('wait');
    expect(backlog.verdict({ undecided: 500, decided: 10, now: 5000 })).toBe('stalled');
    expect(backlog.verdict({ undecided: 900, decided: 10, now: 5100 })).toBe('go');
    expect(backlog.verdict({ undecided: 899, decided: 11, now: 5200 })).toBe('wait');
  });
});
