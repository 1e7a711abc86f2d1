/**
 * The Avro contracts through the real registry (Apicurio, Confluent-compatible API): the wire
 * format, BACKWARD compatibility enforced by the registry, an old reader reading a newer writer's
 * record, and every way a record can fail to decode ending in a typed DecodeError.
 */
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import { avroSchemaOf, type CouponIssueRequested } from '../../schemas/contracts.ts';
import { endpointsFromEnv } from '../../schemas/endpoints.ts';
import { DecodeError, type DecodeErrorType } from '../../schemas/errors.ts';
import { Serde, frame } from '../../schemas/serde.ts';
import { TOPICS, valueSubject, type TopicName } from '../../schemas/topics.ts';
import { readCommitted } from '../../ops/verify/read-committed.ts';
import { sampleValues } from './contract-samples.ts';
import { kafkaFixture, type KafkaFixture } from './kafka-fixture.ts';
import { registryApi } from './registry-api.ts';

const ALL_TOPICS = Object.values(TOPICS);
const serde = new Serde(endpointsFromEnv().schemaRegistryUrl);
const testSubjects: string[] = [];
let fx: KafkaFixture;

/** A fresh subject (deleted in afterAll) set to BACKWARD before anything is registered. */
async function backwardSubject(label: string): Promise<string> {
  const subject = `test-${label}-${randomUUID()}-value`;
  testSubjects.push(subject);
  expect((await registryApi.setCompatibility(subject, 'BACKWARD')).status).toBe(200);
  return subject;
}

/**
 * v1 of the test subjects: the real CouponIssueRequested schema (same full name, so the serde
 * accepts it as that contract) with a unique doc, so its registry content is the test's own.
 */
function requestedV1(): Record<string, unknown> {
  return { ...avroSchemaOf(TOPICS.requests), doc: `test schema ${randomUUID()}` };
}

function withFields(schema: Record<string, unknown>, change: (fields: Array<Record<string, unknown>>) => Array<Record<string, unknown>>) {
  return { ...schema, fields: change([...(schema.fields as Array<Record<string, unknown>>)]) };
}

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
  it('the project subjects are BACKWARD and hold exactly the schemas in schemas/avro', async () => {
    for (const topic of ALL_TOPICS) {
      const subject = valueSubject(topic);
      expect(await registryApi.compatibilityOf(subject)).toBe('BACKWARD');
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
  it('the registry refuses schemas that break BACKWARD compatibility and keeps the subject as it was', async () => {
    const subject = await backwardSubject('compat');
    const v1 = requestedV1();
    expect((await registryApi.register(subject, v1)).status).toBe(200);

    const fieldWithoutDefault = withFields(v1, (f) => [...f, { name: 'channel', type: 'string' }]);
    const changedType = withFields(v1, (f) => f.map((field) => (field.name === 'userId' ? { ...field, type: 'string' } : field)));
    for (const breaking of [fieldWithoutDefault, changedType]) {
      const answer = await registryApi.register(subject, breaking);
      expect(answer.status).toBe(409);
      expect(answer.body.error_code).toBe(409);
    }
    // The serde's own client (what Serde.register uses) surfaces the refusal as an error too.
    await expect(
      serde.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(fieldWithoutDefault) }, { subject, compatibility: COMPATIBILITY.BACKWARD }),
    ).rejects.toMatchObject({ status: 409 });
    expect(await registryApi.versions(subject)).toEqual([1]);

    // The refusal is about compatibility, not a blanket one: the allowed evolution is accepted.
    const withDefault = withFields(v1, (f) => [...f, { name: 'channel', type: 'string', default: 'web' }]);
    expect((await registryApi.register(subject, withDefault)).status).toBe(200);
    expect(await registryApi.versions(subject)).toEqual([1, 2]);
  });

  it('a v1 reader reads a record written with a v2 that added a defaulted field (and v2 reads v1 data)', async () => {
    const subject = await backwardSubject('evolution');
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
