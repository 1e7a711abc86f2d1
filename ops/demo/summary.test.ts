import { describe, expect, it } from 'vitest';
import type { CouponIssued, CouponIssueDeadLetter, CouponIssueRejected } from '../../schemas/contracts.ts';
import type { InvariantResult } from '../verify/invariants.ts';
import type { Answer } from './answers.ts';
import { buildSummary, missingOutcomes, renderSummary, renderWhere, type SummaryInput } from './summary.ts';

const answer = (status: number, extra: Partial<Answer> = {}): Answer => ({ kind: 'first', status, code: undefined, eventId: undefined, latencyMs: 10, ...extra });
const issued = (eventId: string, requestedAt: number, issuedAt: number): CouponIssued => ({ eventId, couponId: 9, userId: 1, userCouponId: 1, requestedAt, issuedAt });
const rejected = (eventId: string, requestedAt: number, rejectedAt: number): CouponIssueRejected => ({ eventId, couponId: 9, userId: 2, reason: 'SOLD_OUT', requestedAt, rejectedAt });
const deadLetter = (eventId: string | null, failedAt: number): CouponIssueDeadLetter => ({
  eventId,
  sourceTopic: 'coupon-issue-requests',
  sourcePartition: 0,
  sourceOffset: 1,
  key: null,
  value: null,
  headers: [],
  errorType: 'X',
  errorMessage: 'x',
  attempts: 1,
  failedAt,
});
const invariant = (name: InvariantResult['name'], held = true): InvariantResult => ({ name, title: `title ${name}`, held, detail: `detail ${name}` });
const ALL_HELD = [invariant('I1'), invariant('I2'), invariant('I3'), invariant('I4')];

function input(overrides: Partial<SummaryInput> = {}): SummaryInput {
  return {
    options: { users: 4, quantity: 2, concurrency: 2, repeats: 1, malformed: 1 },
    couponId: 9,
    answers: [
      answer(202, { eventId: 'a', latencyMs: 4 }),
      answer(202, { eventId: 'b', latencyMs: 6 }),
      answer(409, { code: 'ALREADY_REQUESTED', kind: 'repeat', latencyMs: 1 }),
      answer(409, { code: 'SOLD_OUT', latencyMs: 1 }),
      answer(409, { code: 'SOLD_OUT', latencyMs: 2 }),
      answer(400, { code: 'INVALID_JSON', kind: 'malformed', latencyMs: 1 }),
    ],
    saleSeconds: 2,
    // 'z' is someone else's request on the same topics: it must not be counted.
    outputs: {
      issued: [issued('a', 1_000, 1_020), issued('b', 1_010, 1_050), issued('z', 0, 99_999)],
      rejected: [rejected('z', 0, 99_999)],
      deadLetters: [deadLetter(null, 99_999)],
    },
    invariants: ALL_HELD,
    otherReaders: [],
    ...overrides,
  };
}

describe('buildSummary', () => {
  it('counts the gate answers, the committed outcomes of the accepted requests and the latencies', () => {
    const s = buildSummary(input());
    expect(s.sale).toEqual({ requests: 6, seconds: 2, requestsPerSecond: 3 });
    expect(s.gate).toEqual({ accepted: 2, alreadyRequested: 1, soldOut: 2, badRequest: 1, other: 0, otherAnswers: {} });
    expect(s.processor).toEqual({ issued: 2, rejected: 0, rejectedByReason: {}, deadLetters: 0 });
    expect(s.latency.http).toEqual({ count: 6, p50Ms: 1, p99Ms: 6, maxMs: 6 });
    expect(s.latency.httpAccepted).toEqual({ count: 2, p50Ms: 4, p99Ms: 6, maxMs: 6 });
    expect(s.latency.endToEnd).toEqual({ count: 2, p50Ms: 20, p99Ms: 40, maxMs: 40 });
    // last accepted request at 1,010 ms, last outcome at 1,050 ms
    expect(s.drainSeconds).toBeCloseTo(0.04);
    expect(s.allHeld).toBe(true);
  });

  it('counts rejections by reason, dead letters of accepted requests, and unexpected answers', () => {
    const s = buildSummary(
      input({
        answers: [answer(202, { eventId: 'a' }), answer(202, { eventId: 'b' }), answer(202, { eventId: 'c' }), answer(503, { code: 'KAFKA_UNAVAILABLE' }), answer(0, { code: 'ECONNRESET' })],
        outputs: { issued: [issued('a', 1_000, 1_001)], rejected: [rejected('b', 1_002, 1_003)], deadLetters: [deadLetter('c', 2_000)] },
      }),
    );
    expect(s.gate).toMatchObject({ accepted: 3, other: 2, otherAnswers: { '503 KAFKA_UNAVAILABLE': 1, '0 ECONNRESET': 1 } });
    expect(s.processor).toEqual({ issued: 1, rejected: 1, rejectedByReason: { SOLD_OUT: 1 }, deadLetters: 1 });
    expect(s.drainSeconds).toBeCloseTo(0.998);
  });

  it('has no latencies or drain time without samples, and is not "all held" with a broken invariant', () => {
    const s = buildSummary(input({ answers: [], outputs: { issued: [], rejected: [], deadLetters: [] }, invariants: [invariant('I1'), invariant('I3', false)] }));
    expect(s.latency).toEqual({ http: null, httpAccepted: null, endToEnd: null });
    expect(s.drainSeconds).toBeNull();
    expect(s.allHeld).toBe(false);
  });
});

describe('missingOutcomes', () => {
  it('counts the accepted requests without an issued, rejected or dead-letter record', () => {
    const outputs = { issued: [issued('a', 0, 1)], rejected: [rejected('b', 0, 1)], deadLetters: [deadLetter('c', 1), deadLetter(null, 1)] };
    expect(missingOutcomes(outputs, ['a', 'b', 'c'])).toBe(0);
    expect(missingOutcomes(outputs, ['a', 'd', 'e'])).toBe(2);
  });
});

describe('renderSummary', () => {
  it('shows every figure and each invariant as held', () => {
    const text = renderSummary(buildSummary(input()));
    expect(text).toMatch(/accepted \(202\)\s+2\n/);
    expect(text).toMatch(/already requested \(409\)\s+1\n/);
    expect(text).toMatch(/sold out at the gate \(409\)\s+2\n/);
    expect(text).toMatch(/bad requests \(400\)\s+1\n/);
    expect(text).toMatch(/issued\s+2\n/);
    expect(text).toMatch(/dead-lettered \(DLQ\)\s+0\n/);
    expect(text).toMatch(/end to end, accepted → issued\s+20\.0 ms\s+40\.0 ms/);
    expect(text).toContain('last accepted request → last terminal outcome: 0.04 s');
    expect(text).toContain('I3 held    title I3: detail I3');
    expect(text).toContain('result: every invariant held');
    expect(text).not.toContain('other answers');
    expect(text).not.toContain('other consumer groups');
  });

  it('names other consumer groups that read the requests topic meanwhile', () => {
    const text = renderSummary(buildSummary(input({ otherReaders: ['coupon-processor', 'bench-1'] })));
    expect(text).toContain('other consumer groups were reading the requests topic meanwhile (coupon-processor, bench-1)');
  });

  it('marks a broken invariant and lists unexpected answers', () => {
    const text = renderSummary(buildSummary(input({ answers: [answer(503, { code: 'KAFKA_UNAVAILABLE' })], invariants: [invariant('I1', false)] })));
    expect(text).toContain('I1 BROKEN  title I1');
    expect(text).toContain('AN INVARIANT IS BROKEN');
    expect(text).toMatch(/other answers\s+1 {3}\(503 KAFKA_UNAVAILABLE: 1\)/);
  });
});

describe('renderWhere', () => {
  const where = {
    couponId: 9,
    gatewayUrl: 'http://127.0.0.1:1234',
    gatewayAdminUrl: 'http://127.0.0.1:4321',
    processorMetricsUrl: 'http://127.0.0.1:5678/metrics',
    databaseUrl: 'postgres://u:p@127.0.0.1:15432/db',
    kafkaBrokers: '127.0.0.1:19092',
    adminToken: 'secret-token',
    logFiles: ['g.log', 'p.log'],
  };

  it('with the services running: how to curl them and how to stop', () => {
    const text = renderWhere({ ...where, running: true });
    expect(text).toContain('http://127.0.0.1:4321/metrics');
    expect(text).toContain('http://127.0.0.1:5678/metrics');
    expect(text).toContain("curl -s -H 'Authorization: Bearer secret-token' http://127.0.0.1:4321/api/admin/coupons/9");
    expect(text).toContain('Ctrl-C stops them');
    expect(text).toContain('npm run stack:down');
    expect(text).not.toContain('stopped now');
  });

  it('with the services stopped: says so, and how to stop the stack', () => {
    const text = renderWhere({ ...where, running: false });
    expect(text).toContain('(stopped now)');
    expect(text).toContain('--keep-running');
    expect(text).toContain('npm run stack:down');
    expect(text).not.toContain('secret-token');
  });
});
