import { describe, expect, it } from 'vitest';
import { acceptedEventIds, classifyAnswer, readAnswerBody, type Answer } from './answers.ts';

describe('classifyAnswer', () => {
  it.each([
    [202, undefined, 'accepted'],
    [409, 'ALREADY_REQUESTED', 'alreadyRequested'],
    [409, 'SOLD_OUT', 'soldOut'],
    [400, 'INVALID_JSON', 'badRequest'],
    [409, 'COUPON_NOT_ACTIVE', 'other'],
    [503, 'KAFKA_UNAVAILABLE', 'other'],
    [0, 'ECONNREFUSED', 'other'],
  ] as const)('%i %s is %s', (status, code, expected) => {
    expect(classifyAnswer({ status, code })).toBe(expected);
  });
});

describe('readAnswerBody', () => {
  it('reads the event id of a 202 and the code of an error', () => {
    expect(readAnswerBody('{"eventId":"e1","status":"PENDING","position":3}')).toEqual({ eventId: 'e1', code: undefined });
    expect(readAnswerBody('{"error":{"code":"SOLD_OUT","message":"x"}}')).toEqual({ eventId: undefined, code: 'SOLD_OUT' });
  });

  it('yields neither from anything else', () => {
    for (const text of ['', 'not json', 'null', '[1]', '{"eventId":7,"error":"x"}']) expect(readAnswerBody(text)).toEqual({ eventId: undefined, code: undefined });
  });
});

describe('acceptedEventIds', () => {
  it('lists the event ids of the 202 answers only', () => {
    const answers: Answer[] = [
      { kind: 'first', status: 202, code: undefined, eventId: 'a', latencyMs: 1 },
      { kind: 'first', status: 409, code: 'SOLD_OUT', eventId: undefined, latencyMs: 1 },
      { kind: 'first', status: 202, code: undefined, eventId: 'b', latencyMs: 1 },
    ];
    expect(acceptedEventIds(answers)).toEqual(['a', 'b']);
  });
});
