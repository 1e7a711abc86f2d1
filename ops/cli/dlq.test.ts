import { describe, expect, it } from 'vitest';
import type { CouponIssueDeadLetter } from '../../schemas/contracts.ts';
import type { DeadLetterEntry } from './dead-letters.ts';
import { entryJson, renderList, renderReplay, renderShow } from './dlq.ts';
import { planReplay } from './dlq-replay.ts';

const AT = Date.parse('2026-03-01T12:00:00Z');
const letter = (over: Partial<CouponIssueDeadLetter> = {}): CouponIssueDeadLetter => ({
  eventId: '01a21ffc-9974-77c6-92b8-d1788c776f8f',
  sourceTopic: 'coupon-issue-requests',
  sourcePartition: 3,
  sourceOffset: 120,
  key: Buffer.from('42'),
  value: Buffer.from([0, 0, 0, 0, 1, 2]),
  headers: [{ key: 'origin', value: Buffer.from('web') }],
  errorType: 'INVALID_FIELD',
  errorMessage: 'userId -5 is not a positive integer',
  attempts: 1,
  failedAt: AT,
  ...over,
});
const request: DeadLetterEntry = {
  partition: 0,
  offset: 4,
  writtenAt: AT,
  letter: letter(),
  letterProblem: null,
  original: { kind: 'request', schemaId: 1, request: { eventId: '01a21ffc-9974-77c6-92b8-d1788c776f8f', couponId: 42, userId: -5, requestedAt: AT - 1000 } },
  couponId: 42,
};
const poison: DeadLetterEntry = {
  partition: 0,
  offset: 9,
  writtenAt: AT,
  letter: letter({ eventId: null, errorType: 'WRONG_MAGIC_BYTE', errorMessage: 'magic byte is 110, expected 0', value: Buffer.from('not avro'), headers: [] }),
  letterProblem: null,
  original: { kind: 'bytes', problem: 'WRONG_MAGIC_BYTE: magic byte is 110, expected 0' },
  couponId: 42,
};

describe('renderList', () => {
  it('is a table of positions, causes, coupons, users, event ids and sources, with a count', () => {
    expect(renderList([request, poison], 2)).toBe(
      [
        'POSITION  FAILED AT             CAUSE             COUPON  USER  EVENT ID                              SOURCE  MESSAGE',
        '0:4       2026-03-01T12:00:00Z  INVALID_FIELD         42    -5  01a21ffc-9974-77c6-92b8-d1788c776f8f  3:120   userId -5 is not a positive integer',
        '0:9       2026-03-01T12:00:00Z  WRONG_MAGIC_BYTE      42     -  -                                     3:120   magic byte is 110, expected 0',
        '2 dead letters',
      ].join('\n'),
    );
  });

  it('says when it shows only the last of more', () => {
    expect(renderList([poison], 120)).toMatch(/120 dead letters\n\(the last 1 of 120 matching; --limit 0 shows all\)$/);
    expect(renderList([], 0)).toBe('no dead letters match');
  });
});

describe('renderShow', () => {
  it('decodes a request', () => {
    const text = renderShow(request);
    expect(text).toMatch(/^dead letter 0:4 of coupon-issue-dlq, written 2026-03-01T12:00:00Z\ncause: +INVALID_FIELD\n/);
    expect(text).toMatch(/source: +coupon-issue-requests 3:120/);
    expect(text).toMatch(/original key: +"42"/);
    expect(text).toMatch(/replayable: +yes/);
    expect(text).toMatch(/original value: CouponIssueRequested \(schema id 1\)\n {2}eventId: +01a21ffc/);
    expect(text).toMatch(/ {2}userId: +-5\n {2}requestedAt: +2026-03-01T11:59:59Z \(\d+\)/);
    expect(text).toMatch(/headers:\n {2}origin: "web"$/);
  });

  it('dumps undecodable bytes and says a permanent cause is not replayed', () => {
    const text = renderShow(poison);
    expect(text).toMatch(/replayable: +no: WRONG_MAGIC_BYTE is permanent/);
    expect(text).toMatch(/original value: 8 bytes, undecodable \(WRONG_MAGIC_BYTE: magic byte is 110, expected 0\)\n {2}00000000 {2}6e 6f 74 20 61 76 72 6f {26}not avro/);
    expect(text).toMatch(/headers: \(none\)$/);
  });
});

describe('entryJson', () => {
  it('carries bytes as hex and text, and whether the cause is permanent', () => {
    expect(entryJson(poison)).toMatchObject({
      position: '0:9',
      cause: 'WRONG_MAGIC_BYTE',
      key: { hex: '3432', text: '42' },
      value: { hex: Buffer.from('not avro').toString('hex'), text: 'not avro' },
      source: { topic: 'coupon-issue-requests', partition: 3, offset: 120 },
      permanent: true,
    });
    expect(entryJson(request)).toMatchObject({ headers: [{ key: 'origin', value: { text: 'web' } }], permanent: false, couponId: 42 });
  });
});

describe('renderReplay', () => {
  const items = planReplay([request, poison], false);

  it('shows what a dry run would do', () => {
    const text = renderReplay(items.map((item) => ({ item, ledger: item.refused ? undefined : { outcome: 'FAILED', reason: 'INVALID_FIELD: userId -5' }, replayedTo: undefined })), true, 'tx');
    expect(text).toMatch(/^POSITION\s+CAUSE\s+COUPON\s+USER\s+EVENT ID\s+LEDGER\s+ACTION\n/);
    expect(text).toMatch(/0:4 .* FAILED INVALID_FIELD: userId -5 +would replay/);
    expect(text).toMatch(/0:9 .* none +refused: permanent cause WRONG_MAGIC_BYTE/);
    expect(text).toMatch(/dry run: 1 would be replayed, 1 refused; nothing was produced$/);
  });

  it('shows where each record went', () => {
    const text = renderReplay(items.map((item) => ({ item, ledger: undefined, replayedTo: item.refused ? undefined : { partition: 3, offset: 500 } })), false, 'tx-1');
    expect(text).toMatch(/0:4 .* replayed to 3:500/);
    expect(text).toMatch(/1 replayed to coupon-issue-requests in one transaction \(transactional id tx-1\), 1 refused$/);
  });
});
