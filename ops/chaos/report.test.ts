import { describe, expect, it } from 'vitest';
import { answerHistogram, invariantMap, passed, type ChaosReport } from './report.ts';

const clean: ChaosReport = {
  seed: 1,
  minutes: 3,
  faults: { processor_kill: 5 },
  requests: 10,
  accepted: 8,
  issued: 8,
  lost: 0,
  doubled: 0,
  over_issued: 0,
  stuck: 0,
  locked_out: 0,
  invariants: { I1: true, I2: true, I3: true, I4: true, I5: true, I6: null, I7: true },
  processor_exits: 0,
  gateway_exits: 0,
  crashes: 0,
  exits: [],
  answers: {},
  shed: 0,
  probes: 0,
  skipped: [],
  fault_failures: [],
  grants: { planned: 2, done: 2, attempts: 3, killed: 1, users: 6000, issued: 5000, problems: [] },
  details: {},
};

describe('passed', () => {
  it('needs every count at zero and no invariant broken', () => {
    expect(passed(clean)).toBe(true);
    for (const field of ['lost', 'doubled', 'over_issued', 'stuck', 'locked_out', 'crashes'] as const) expect(passed({ ...clean, [field]: 1 })).toBe(false);
    expect(passed({ ...clean, invariants: { ...clean.invariants, I7: false } })).toBe(false);
  });

  it('fails on any problem of a bulk grant', () => {
    expect(passed({ ...clean, grants: { ...clean.grants, done: 1, problems: ['grant 2 (coupon 9): not DONE after 4 run(s)'] } })).toBe(false);
  });
});

describe('invariantMap', () => {
  it('lists I1..I7, null for those not checked', () => {
    expect(invariantMap([{ name: 'I2', title: '', held: false, detail: '' }])).toEqual({ I1: null, I2: false, I3: null, I4: null, I5: null, I6: null, I7: null });
  });
});

describe('answerHistogram', () => {
  it('counts answers by status and code, sorted', () => {
    expect(
      answerHistogram([
        { couponId: 1, userId: 1, status: 202, eventId: 'a' },
        { couponId: 1, userId: 2, status: 503, code: 'REDIS_UNAVAILABLE' },
        { couponId: 1, userId: 3, status: 202, eventId: 'b' },
        { couponId: 1, userId: 4, status: 0, code: 'ECONNRESET' },
      ]),
    ).toEqual({ '0 ECONNRESET': 1, '202': 2, '503 REDIS_UNAVAILABLE': 1 });
  });
});
