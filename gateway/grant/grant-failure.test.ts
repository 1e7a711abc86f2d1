import { describe, expect, it } from 'vitest';
import { GateNotOpenError } from '../gate.ts';
import { grantFailureKind, GrantRetries } from './grant-failure.ts';
import { InvalidGrantIdError } from './grant-id.ts';
import { InputTooLargeError } from './grant-input.ts';
import { GrantProduceError } from './grant-producer.ts';
import { newProgress } from './grant-progress.ts';
import { GrantConflictError, GrantNotFoundError } from './grant-store.ts';
import { UserColumnMissingError } from './user-lines.ts';

describe('grantFailureKind', () => {
  it('is input for a wrong file, grant id or coupon, also when a step wrapped it as its cause', () => {
    const inputs = [
      new InputTooLargeError('too large'),
      new UserColumnMissingError('no column'),
      new GrantConflictError('another coupon'),
      new GrantNotFoundError('no coupon'),
      new InvalidGrantIdError('bad id'),
      Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }),
    ];
    for (const err of inputs) {
      expect(grantFailureKind(err), err.message).toBe('input');
      expect(grantFailureKind(new Error('granting coupon 7 failed', { cause: err })), err.message).toBe('input');
    }
  });

  it('is transient for the dependencies and the gate, and for what it does not know', () => {
    for (const err of [new GateNotOpenError('rebuilding'), new GrantProduceError('not acknowledged'), Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), new Error('Connection is closed.'), 'a string']) {
      expect(grantFailureKind(err)).toBe('transient');
    }
  });
});

describe('GrantRetries', () => {
  const outage = new Error('connect ECONNREFUSED');

  it('pauses 1, 2, 4, 8, 15, 15 s between runs that do no work, and gives up once none has worked for retryFor', () => {
    const retries = new GrantRetries(60_000, 0);
    const pauses: number[] = [];
    let now = 0;
    for (;;) {
      retries.observe(newProgress(now), now);
      const pause = retries.afterFailure(outage, now);
      if (pause === undefined) break;
      pauses.push(pause);
      now += pause;
    }
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(now).toBe(60_000);
  });

  it('starts the clock and the pauses again after a run that worked', () => {
    const retries = new GrantRetries(10_000, 0);
    retries.observe(newProgress(0), 0);
    expect(retries.afterFailure(outage, 0)).toBe(1000);
    expect(retries.afterFailure(outage, 1000)).toBe(2000);
    const run = newProgress(3000);
    retries.observe(run, 3000);
    run.reserved = 5000;
    run.produced = 5000;
    retries.observe(run, 9000);
    expect(retries.afterFailure(outage, 9500)).toBe(1000);
    expect(retries.afterFailure(outage, 18_999)).toBe(1);
    expect(retries.afterFailure(outage, 19_000)).toBeUndefined();
  });

  it('counts a new run from nothing: re-reading what an earlier run did is work again', () => {
    const retries = new GrantRetries(10_000, 0);
    const first = newProgress(0);
    first.held = 100;
    retries.observe(first, 1000);
    const second = newProgress(2000);
    retries.observe(second, 2000);
    second.held = 50;
    retries.observe(second, 8000);
    expect(retries.afterFailure(outage, 17_000)).toBe(1000);
  });

  it('lines read are not work: a run reads ahead of its first gate call', () => {
    const retries = new GrantRetries(10_000, 0);
    const run = newProgress(0);
    run.lines = 15_000;
    run.users = 15_000;
    retries.observe(run, 5000);
    expect(retries.afterFailure(outage, 10_000)).toBeUndefined();
  });

  it('never runs again after an input failure', () => {
    expect(new GrantRetries(60_000, 0).afterFailure(new UserColumnMissingError('no column'), 0)).toBeUndefined();
  });
});
