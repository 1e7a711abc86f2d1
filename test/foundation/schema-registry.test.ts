/**
 * The Avro contracts through the real registry (Apicurio, Confluent-compatible API): the wire
 * format, FULL_TRANSITIVE compatibility enforced by the registry (and subjects left at BACKWARD
 * moved to it), an old reader reading a newer writer's record and a new reader an older writer's,
 * and every way a record can fail to decode ending in a typed DecodeError.
 */
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { COMPATIBILITY_LEVEL, ensureCompatibility } from '../../schemas/compatibility.ts';
import { REJECTION_REASONS, avroSchemaOf, type CouponIssueRejected, type CouponIssueRequested } from '../../schemas/contracts.ts';
import { DecodeError, type DecodeErrorType } from '../../schemas/errors.ts';
import { Serde, frame } from '../../schemas/serde.ts';
import { TOPICS, valueSubject, type TopicName } from '../../schemas/topics.ts';
import { readCommitted } from '../../ops/verify/read-committed.ts';
import { sampleValues } from './contract-samples.ts';
import { kafkaFixture, type KafkaFixture } from './kafka-fixture.ts';
import { registryApi } from './registry-api.ts';
import { ADDED_FIELD, NEW_REASON, nextRejectedSchema, withFields, withReasons } from './schema-evolution.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';

const ALL_TOPICS = Object.values(TOPICS);
const serde = new Serde(registryConnectionFromEnv());
const testSubjects: string[] = [];
let fx: KafkaFixture;

/** A fresh subject (deleted in afterAll) set to `level` before anything is registered. */
async function subjectAt(label: string, level: string = COMPATIBILITY_LEVEL): Promise<string> {
  const subject = `test-${label}-${randomUUID()}-value`;
  testSubjects.push(subject);
  expect((await registryApi.setCompatibility(subject, level)).status).toBe(200);
  return subject;
}

/**
 * v1 of a test subject: a real contract's schema (same full name, so the serde accepts it as that
 * contract) with a unique doc, so its registry content is the test's own.
 */
function ownCopy(topic: TopicName): Record<string, unknown> {
  return { ...avroSchemaOf(topic), doc: `test schema ${randomUUID()}` };
}
const requestedV1 = (): Record<string, unknown> => ownCopy(TOPICS.requests);

const encodeSample = <T extends TopicName>(contract: T, samples: ReturnType<typeof sampleValues>): Buffer => serde.encode(contract, samples[contract]);

/** Runs a decode that must fail and returns its DecodeError (anything else fails the test). */
async function decodeFailure(topic: TopicName, value: Buffer | null): Promise<DecodeError> {
  const outcome = await serde.decode(topic, value).then(
    (decoded) => ({ decoded }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a DecodeError, decoded ${JSON.stringify(outcome.decoded)}`);
  expect(outcome.error).toBeInstanceOf(DecodeError);
  return outcome.error as DecodeError;
}

const expectDecodeError = async (topic: TopicName, value: Buffer | null, errorType: DecodeErrorType): Promise<void> => {
  expect((await decodeFailure(topic, value)).errorType).toBe(errorType);
};

beforeAll(async () => {
  fx = await kafkaFixture();
  for (const topic of ALL_TOPICS) await serde.register(topic);
});

afterAll(async () => {
  await Promise.allSettled(testSubjects.map((s) => registryApi.deleteSubject(s)));
  await fx?.cleanup();
});

describe('wire format', () => {
  it('the project subjects are FULL_TRANSITIVE and hold exactly the schemas in schemas/avro', async () => {
    for (const topic of ALL_TOPICS) {
      const subject = valueSubject(topic);
      expect(await registryApi.compatibilityOf(subject)).toBe('FULL_TRANSITIVE');
      const id = await serde.register(topic);
      expect(await registryApi.idOf(subject, avroSchemaOf(topic))).toBe(id);
      const stored = avro.Type.forSchema((await registryApi.schemaById(id)) as avro.Schema);
      expect(stored.fingerprint('sha256').toString('hex')).toBe(serde.typeOf(topic).fingerprint('sha256').toString('hex'));
    }
  });

  it('records produced to Kafka carry magic byte 0 and the registered id, and decode back equal', async () => {
    const topic = await fx.createTopic(1, 'test-serde');
    const samples = sampleValues();
    const producer = await fx.plainProducer();
    await producer.send({
      topic,
      messages: ALL_TOPICS.map((contract) => ({ key: contract, value: encodeSample(contract, samples) })),
    });

    const records = await readCommitted(topic);
    expect(records.map((r) => r.key?.toString()).sort()).toEqual([...ALL_TOPICS].sort());
    for (const record of records) {
      const contract = record.key!.toString() as TopicName;
      const value = record.value!;
      expect(value[0]).toBe(0);
      expect(value.readInt32BE(1)).toBe(await serde.register(contract));
      expect(await serde.decode(contract, value)).toEqual(samples[contract]);
    }
  });
});

describe('compatibility', () => {
  it('a subject left at BACKWARD (an older provisioning) is moved to FULL_TRANSITIVE, once; a missing subject is left alone', async () => {
    const subject = await subjectAt('moved', 'BACKWARD');
    expect((await registryApi.register(subject, requestedV1())).status).toBe(200);
    const url = registryConnectionFromEnv();
    expect(await ensureCompatibility(url, subject)).toBe('BACKWARD');
    expect(await registryApi.compatibilityOf(subject)).toBe('FULL_TRANSITIVE');
    expect(await ensureCompatibility(url, subject)).toBe('FULL_TRANSITIVE');
    expect(await registryApi.compatibilityOf(subject)).toBe('FULL_TRANSITIVE');
    expect(await ensureCompatibility(url, `test-absent-${randomUUID()}-value`)).toBeUndefined();
  });

  it('the registry refuses what breaks either direction, or any earlier version, and keeps the subject as it was', async () => {
    const subject = await subjectAt('compat');
    const v1 = requestedV1();
    expect((await registryApi.register(subject, v1)).status).toBe(200);

    const fieldWithoutDefault = withFields(v1, (f) => [...f, { name: 'channel', type: 'string' }]);
    const changedType = withFields(v1, (f) => f.map((field) => (field.name === 'userId' ? { ...field, type: 'string' } : field)));
    // BACKWARD would take this one; an old reader could not read the new records (no userId).
    const removedField = withFields(v1, (f) => f.filter((field) => field.name !== 'userId'));
    for (const breaking of [fieldWithoutDefault, changedType, removedField]) {
      const answer = await registryApi.register(subject, breaking);
      expect(answer.status).toBe(409);
      expect(answer.body.error_code).toBe(409);
    }
    // The serde's own client (what Serde.register uses) surfaces the refusal as an error too.
    await expect(
      serde.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(fieldWithoutDefault) }, { subject, compatibility: COMPATIBILITY_LEVEL }),
    ).rejects.toMatchObject({ status: 409 });
    expect(await registryApi.versions(subject)).toEqual([1]);

    // The refusal is about compatibility, not a blanket one: the allowed evolution is accepted.
    const withDefault = withFields(v1, (f) => [...f, { name: 'channel', type: 'string', default: 'web' }]);
    expect((await registryApi.register(subject, withDefault)).status).toBe(200);
    // Transitive: dropping the default again suits v2 (whose records have the field), not v1's records.
    expect((await registryApi.register(subject, fieldWithoutDefault)).status).toBe(409);
    expect(await registryApi.versions(subject)).toEqual([1, 2]);
  });

  it('a new reason and a new field: the registry takes them, an old reader reads the new record, a new reader the old record', async () => {
    const subject = await subjectAt('evolution');
    const current = ownCopy(TOPICS.rejected);
    const next = nextRejectedSchema(current);
    const idCurrent = (await registryApi.register(subject, current)).body.id as number;
    const answer = await registryApi.register(subject, next);
    expect(answer.status).toBe(200);
    const idNext = answer.body.id as number;
    expect(idNext).not.toBe(idCurrent);

    const rejected: CouponIssueRejected = sampleValues()[TOPICS.rejected];
    const currentType = avro.Type.forSchema(current as avro.Schema);
    const nextType = avro.Type.forSchema(next as avro.Schema);
    // Old reader (the serde reads with today's schema), new writer: the unknown reason is the enum's default.
    const fromNext = frame(idNext, nextType.toBuffer({ ...rejected, reason: NEW_REASON, campaign: 'spring' }));
    expect(await serde.decode(TOPICS.rejected, fromNext)).toEqual({ ...rejected, reason: 'COUPON_NOT_ACTIVE' });
    expect(await serde.decode(TOPICS.rejected, frame(idNext, nextType.toBuffer({ ...rejected, campaign: 'spring' })))).toEqual(rejected);
    // New reader, old writer: the added field takes its default.
    expect(nextType.fromBuffer(currentType.toBuffer(rejected), nextType.createResolver(currentType))).toEqual({ ...rejected, campaign: ADDED_FIELD.default });
  });

  it('a record of the previous contract version (no enum default, no docs) decodes with today\'s reader', async () => {
    const subject = await subjectAt('previous', 'BACKWARD');
    const previous = withReasons(ownCopy(TOPICS.rejected), [...REJECTION_REASONS], false);
    const id = (await registryApi.register(subject, previous)).body.id as number;
    const rejected: CouponIssueRejected = sampleValues()[TOPICS.rejected];
    expect(await serde.decode(TOPICS.rejected, frame(id, avro.Type.forSchema(previous as avro.Schema).toBuffer(rejected)))).toEqual(rejected);
  });

  it('without an enum default the registry refuses a new reason (the reason every enum has one)', async () => {
    const subject = await subjectAt('enum-default');
    const noDefault = withReasons(ownCopy(TOPICS.rejected), [...REJECTION_REASONS], false);
    expect((await registryApi.register(subject, noDefault)).status).toBe(200);
    expect((await registryApi.register(subject, withReasons(noDefault, [...REJECTION_REASONS, NEW_REASON], false))).status).toBe(409);
  });

  it('a v1 reader reads a record written with a v2 that added a defaulted field (and v2 reads v1 data)', async () => {
    const subject = await subjectAt('requested-evolution');
    const v1 = requestedV1();
    const v2 = withFields(v1, (f) => [...f, { name: 'channel', type: 'string', default: 'web' }]);
    const idV1 = (await registryApi.register(subject, v1)).body.id as number;
    const idV2 = (await registryApi.register(subject, v2)).body.id as number;
    expect(idV2).not.toBe(idV1);

    const v1Type = avro.Type.forSchema(v1 as avro.Schema);
    const v2Type = avro.Type.forSchema(v2 as avro.Schema);
    const request: CouponIssueRequested = sampleValues()[TOPICS.requests];
    const writtenByV2 = v2Type.toBuffer({ ...request, channel: 'app' });

    // Plain Avro schema resolution, the mechanism the serde relies on.
    expect(v1Type.fromBuffer(writtenByV2, v1Type.createResolver(v2Type))).toEqual(request);
    expect(v2Type.fromBuffer(v1Type.toBuffer(request), v2Type.createResolver(v1Type))).toEqual({ ...request, channel: 'web' });

    // The same through the serde: it fetches writer schema idV2 from the registry by id.
    expect(await serde.decode(TOPICS.requests, frame(idV2, writtenByV2))).toEqual(request);
    expect(await serde.decode(TOPICS.requests, frame(idV1, v1Type.toBuffer(request)))).toEqual(request);
  });
});

describe('the grant field of the request schema', () => {
  it('a subject holding the request schema from before the field accepts today\'s under FULL_TRANSITIVE, and the serde reads both', async () => {
    const subject = await subjectAt('requested-grant');
    const before = withFields(requestedV1(), (fields) => fields.filter((f) => f.name !== 'grant'));
    const idBefore = (await registryApi.register(subject, before)).body.id as number;
    const registered = await registryApi.register(subject, requestedV1());
    expect(registered.status).toBe(200);
    const withoutGrant: CouponIssueRequested = { ...sampleValues()[TOPICS.requests], grant: undefined };
    const request: CouponIssueRequested = { ...withoutGrant, grant: 'crm-2026-11' };
    const beforeType = avro.Type.forSchema(before as avro.Schema);
    expect(await serde.decode(TOPICS.requests, frame(idBefore, beforeType.toBuffer(withoutGrant)))).toEqual({ ...request, grant: null });
    const currentType = avro.Type.forSchema(requestedV1() as avro.Schema);
    expect(await serde.decode(TOPICS.requests, frame(registered.body.id as number, currentType.toBuffer(request)))).toEqual(request);
  });
});

describe('undecodable records', () => {
  it('a missing value, a wrong magic byte or a short header fail as such', async () => {
    const good = serde.encode(TOPICS.requests, sampleValues()[TOPICS.requests]);
    await expectDecodeError(TOPICS.requests, null, 'MISSING_VALUE');
    await expectDecodeError(TOPICS.requests, Buffer.alloc(0), 'MISSING_VALUE');
    const wrongMagic = Buffer.from(good);
    wrongMagic[0] = 1;
    await expectDecodeError(TOPICS.requests, wrongMagic, 'WRONG_MAGIC_BYTE');
    await expectDecodeError(TOPICS.requests, Buffer.from('{"couponId":1}'), 'WRONG_MAGIC_BYTE');
    await expectDecodeError(TOPICS.requests, Buffer.from([0, 0, 0]), 'MALFORMED_BODY');
  });

  it('a schema id the registry does not know fails as UNKNOWN_SCHEMA_ID', async () => {
    const body = serde.typeOf(TOPICS.requests).toBuffer(sampleValues()[TOPICS.requests]);
    await expectDecodeError(TOPICS.requests, frame(2_000_000_000, body), 'UNKNOWN_SCHEMA_ID');
    await expectDecodeError(TOPICS.requests, frame(-1, body), 'UNKNOWN_SCHEMA_ID');
  });

  it('a record of another contract fails as UNEXPECTED_SCHEMA', async () => {
    const issued = serde.encode(TOPICS.issued, sampleValues()[TOPICS.issued]);
    await expectDecodeError(TOPICS.requests, issued, 'UNEXPECTED_SCHEMA');
    const request = serde.encode(TOPICS.requests, sampleValues()[TOPICS.requests]);
    await expectDecodeError(TOPICS.dlq, request, 'UNEXPECTED_SCHEMA');
  });

  it('a body that does not match its schema fails as MALFORMED_BODY, and good records still decode afterwards', async () => {
    const sample = sampleValues()[TOPICS.requests];
    const good = serde.encode(TOPICS.requests, sample);
    await expectDecodeError(TOPICS.requests, good.subarray(0, good.length - 3), 'MALFORMED_BODY');
    await expectDecodeError(TOPICS.requests, Buffer.concat([good, Buffer.from([1, 2, 3])]), 'MALFORMED_BODY');
    await expectDecodeError(TOPICS.requests, Buffer.concat([good.subarray(0, 5), Buffer.alloc(20, 0xff)]), 'MALFORMED_BODY');
    expect(await serde.decode(TOPICS.requests, good)).toEqual(sample);
  });
});
