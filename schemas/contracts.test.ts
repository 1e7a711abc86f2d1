import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { REJECTION_REASONS, avroSchemaOf } from './contracts.ts';
import { ADDED_FIELD, NEW_REASON, nextRejectedSchema, withFields, withReasons } from '../test/foundation/schema-evolution.ts';
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

  it('carries the core fields docs/architecture.md names, in order', () => {
    const names = (topic: (typeof TOPICS)[keyof typeof TOPICS]) => fieldsOf(topic).map((f) => f.name);
    expect(names(TOPICS.requests)).toEqual(['eventId', 'couponId', 'userId', 'requestedAt', 'grant']);
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

/** Every field of a schema, nested records' fields included, with the path to it. */
function allFields(schema: unknown, where: string): Array<{ where: string; field: Record<string, unknown> }> {
  if (Array.isArray(schema)) return schema.flatMap((branch) => allFields(branch, where));
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  if (s.type === 'array') return allFields(s.items, where);
  if (s.type !== 'record') return [];
  return (s.fields as Array<Record<string, unknown>>).flatMap((field) => {
    const path = `${where}.${String(field.name)}`;
    return [{ where: path, field }, ...allFields(field.type, path)];
  });
}

/** Every enum type a schema declares. */
const enumsOf = (topic: (typeof TOPICS)[keyof typeof TOPICS]): Array<Record<string, unknown>> =>
  allFields(avroSchemaOf(topic), topic)
    .map(({ field }) => field.type as Record<string, unknown>)
    .filter((type) => typeof type === 'object' && type !== null && type.type === 'enum');

describe('the consumer contract', () => {
  it('documents every field of every schema', () => {
    for (const topic of Object.values(TOPICS)) {
      const undocumented = allFields(avroSchemaOf(topic), topic).filter(({ field }) => typeof field.doc !== 'string' || field.doc.trim().length < 10);
      expect(undocumented.map((u) => u.where), topic).toEqual([]);
    }
  });

  it('gives every enum a default among its symbols', () => {
    const enums = Object.values(TOPICS).flatMap(enumsOf);
    expect(enums.length).toBeGreaterThan(0);
    for (const e of enums) expect(e.symbols as string[], String(e.name)).toContain(e.default);
  });

  it('an old reader reads a new writer (an unknown reason as the default, an added field ignored), and a new reader reads an old writer', () => {
    const current = avro.Type.forSchema(avroSchemaOf(TOPICS.rejected) as avro.Schema);
    const next = avro.Type.forSchema(nextRejectedSchema() as avro.Schema);
    const old = { eventId: '0190a4c2-7b1e-7000-8000-000000000001', couponId: 7, userId: 43, reason: 'SOLD_OUT', requestedAt: 1, rejectedAt: 2 };
    const written = next.toBuffer({ ...old, reason: NEW_REASON, campaign: 'spring' });
    expect(current.fromBuffer(written, current.createResolver(next))).toEqual({ ...old, reason: enumsOf(TOPICS.rejected)[0]!.default });
    expect(next.fromBuffer(current.toBuffer(old), next.createResolver(current))).toEqual({ ...old, campaign: ADDED_FIELD.default });
  });

  it('the request schema before the grant field and the one with it read each other (the field defaults to null)', () => {
    const current = avro.Type.forSchema(avroSchemaOf(TOPICS.requests) as avro.Schema);
    const before = avro.Type.forSchema(withFields(avroSchemaOf(TOPICS.requests), (fields) => fields.filter((f) => f.name !== 'grant')) as avro.Schema);
    const request = { eventId: '0190a4c2-7b1e-7000-8000-000000000001', couponId: 7, userId: 43, requestedAt: 1 };
    expect(before.fromBuffer(current.toBuffer({ ...request, grant: 'crm-2026-11' }), before.createResolver(current))).toEqual(request);
    expect(current.fromBuffer(before.toBuffer(request), current.createResolver(before))).toEqual({ ...request, grant: null });
  });

  it('without the enum default an old reader could not read a newer reason (why the default is there)', () => {
    const withoutDefault = avro.Type.forSchema(withReasons(avroSchemaOf(TOPICS.rejected), [...REJECTION_REASONS], false) as avro.Schema);
    const next = avro.Type.forSchema(nextRejectedSchema() as avro.Schema);
    expect(() => withoutDefault.createResolver(next)).toThrow();
  });
});
