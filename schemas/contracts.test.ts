import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { REJECTION_REASONS, avroSchemaOf } from './contracts.ts';
import { TOPICS } from './topics.ts';

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
}
const fieldsOf = (topic: (typeof TOPICS)[keyof typeof TOPICS]): Field[] => avroSchemaOf(topic).fields as Field[];

describe('Avro contracts', () => {
  it('every schema parses and is a record in the coupon.issuance namespace', () => {
    for (const topic of Object.values(TOPICS)) {
      const type = avro.Type.forSchema(avroSchemaOf(topic) as avro.Schema);
      expect(type.typeName).toBe('record');
      expect(type.name).toMatch(/^coupon\.issuance\.[A-Z]\w+$/);
    }
  });

  it('carries the core fields DESIGN.md names, in order', () => {
    const names = (topic: (typeof TOPICS)[keyof typeof TOPICS]) => fieldsOf(topic).map((f) => f.name);
    expect(names(TOPICS.requests)).toEqual(['eventId', 'couponId', 'userId', 'requestedAt']);
    expect(names(TOPICS.issued)).toEqual(['eventId', 'couponId', 'userId', 'userCouponId', 'requestedAt', 'issuedAt']);
    expect(names(TOPICS.rejected)).toEqual(['eventId', 'couponId', 'userId', 'reason', 'requestedAt', 'rejectedAt']);
    expect(names(TOPICS.dlq)).toEqual([
      'eventId', 'sourceTopic', 'sourcePartition', 'sourceOffset', 'key', 'value', 'headers', 'errorType', 'errorMessage', 'attempts', 'failedAt',
    ]);
  });

  it('declares ids as long and times as timestamp-millis', () => {
    for (const topic of [TOPICS.requests, TOPICS.issued, TOPICS.rejected]) {
      for (const field of fieldsOf(topic)) {
        if (/Id$/.test(field.name) && field.name !== 'eventId') expect(field.type, `${topic}.${field.name}`).toBe('long');
        if (/At$/.test(field.name)) expect(field.type, `${topic}.${field.name}`).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
      }
    }
  });

  it('the rejection reasons in TypeScript are the enum symbols of the schema', () => {
    const reason = fieldsOf(TOPICS.rejected).find((f) => f.name === 'reason')!;
    expect((reason.type as { symbols: string[] }).symbols).toEqual([...REJECTION_REASONS]);
  });
});
