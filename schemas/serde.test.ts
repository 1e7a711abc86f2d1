import { ConfluentSchemaRegistryCompatibilityError } from '@kafkajs/confluent-schema-registry/dist/errors.js';
import avro from 'avsc';
import { describe, expect, it, vi } from 'vitest';
import { avroSchemaOf } from './contracts.ts';
import { DecodeError } from './errors.ts';
import { Serde, frame, isLevelRace } from './serde.ts';
import { TOPICS } from './topics.ts';

// encode() needs a registered writer schema; registering sets the subject's level first, over HTTP.
vi.mock('./compatibility.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), ensureCompatibility: async () => undefined }));

describe('frame()', () => {
  it('writes magic byte 0, the schema id as 4 big-endian bytes, then the body unchanged', () => {
    const body = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const framed = frame(0x01020304, body);
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef, 0x00]);
  });

  it('round-trips the largest id and an empty body', () => {
    const framed = frame(2_147_483_647, Buffer.alloc(0));
    expect(framed.length).toBe(5);
    expect(framed[0]).toBe(0);
    expect(framed.readInt32BE(1)).toBe(2_147_483_647);
  });

  it('copies the body: later changes to the source buffer do not leak into the frame', () => {
    const body = Buffer.from('abc');
    const framed = frame(7, body);
    body.fill(0);
    expect(framed.subarray(5).toString()).toBe('abc');
  });
});

describe('Serde checks that need no registry', () => {
  // Nothing listens on port 9 (discard): any registry call would fail as RegistryUnavailableError,
  // so these prove the header checks answer before the registry is asked.
  const serde = new Serde({ url: 'http://127.0.0.1:9' });

  it.each([
    ['no value', null, 'MISSING_VALUE'],
    ['an empty value', Buffer.alloc(0), 'MISSING_VALUE'],
    ['a JSON value', Buffer.from('{"userId":1}'), 'WRONG_MAGIC_BYTE'],
    ['magic byte 1', Buffer.from([1, 0, 0, 0, 1, 2]), 'WRONG_MAGIC_BYTE'],
    ['a header cut short', Buffer.from([0, 0, 0, 1]), 'MALFORMED_BODY'],
  ] as const)('%s fails as %s', async (_label, value, errorType) => {
    const error = await serde.decode(TOPICS.requests, value).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).errorType).toBe(errorType);
  });

  it('refuses to encode before the topic schema is registered', () => {
    expect(() => serde.encode(TOPICS.requests, { eventId: 'x', couponId: 1, userId: 1, requestedAt: 0 })).toThrow(/not registered yet/);
  });
});

describe('encode()', () => {
  const requestType = avro.Type.forSchema(avroSchemaOf(TOPICS.requests) as avro.Schema);
  const request = (userId: number, eventId = `0190a1b2-0000-7000-8000-${String(userId).padStart(12, '0')}`) => ({ eventId, couponId: 3, userId, requestedAt: 1_700_000_000_000, grant: 'g1' });
  const registered = async (): Promise<Serde> => {
    const serde = new Serde({ url: 'http://127.0.0.1:9' });
    vi.spyOn(serde.registry, 'register').mockResolvedValue({ id: 41 });
    await serde.register(TOPICS.requests);
    return serde;
  };

  it('frames the Avro body with the registered schema id, as frame() does', async () => {
    const serde = await registered();
    expect(serde.encode(TOPICS.requests, request(9))).toEqual(frame(41, requestType.toBuffer(request(9))));
  });

  it('returns a buffer of its own: a later encode leaves an earlier record unchanged', async () => {
    const serde = await registered();
    const first = serde.encode(TOPICS.requests, request(1));
    const copy = Buffer.from(first);
    serde.encode(TOPICS.requests, request(2));
    expect(first).toEqual(copy);
  });

  it('encodes a record larger than its scratch buffer, and the next small one', async () => {
    const serde = await registered();
    const big = request(5, 'e'.repeat(50_000));
    expect(serde.encode(TOPICS.requests, big)).toEqual(frame(41, requestType.toBuffer(big)));
    expect(serde.encode(TOPICS.requests, request(6))).toEqual(frame(41, requestType.toBuffer(request(6))));
  });
});

describe('decodeKnown()', () => {
  const request = { eventId: '0190a1b2-0000-7000-8000-000000000001', couponId: 3, userId: 9, requestedAt: 1_700_000_000_000, grant: null };
  const value = frame(41, avro.Type.forSchema(avroSchemaOf(TOPICS.requests) as avro.Schema).toBuffer(request));

  it('answers undefined until the writer schema is resolved, then decodes without a promise', async () => {
    const serde = new Serde({ url: 'http://127.0.0.1:9' });
    const lookup = vi.spyOn(serde.registry, 'getSchema').mockResolvedValue(avro.Type.forSchema(avroSchemaOf(TOPICS.requests) as avro.Schema) as never);
    expect(serde.decodeKnown(TOPICS.requests, value)).toBeUndefined();
    expect(lookup).not.toHaveBeenCalled();
    expect(await serde.decode(TOPICS.requests, value)).toEqual(request);
    expect(serde.decodeKnown(TOPICS.requests, value)).toEqual(request);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('fails a bad header as decode() does', () => {
    const serde = new Serde({ url: 'http://127.0.0.1:9' });
    expect(() => serde.decodeKnown(TOPICS.requests, Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(DecodeError);
  });
});

describe('isLevelRace', () => {
  it('recognises a compatibility rule another client created first, or read before it was set, and nothing else', () => {
    expect(isLevelRace({ status: 409, message: "Confluent_Schema_Registry - A rule named 'COMPATIBILITY' already exists." })).toBe(true);
    expect(isLevelRace(new ConfluentSchemaRegistryCompatibilityError('Compatibility does not match the configuration (FULL_TRANSITIVE != NONE)'))).toBe(true);
    expect(isLevelRace({ status: 409, message: 'Schema being registered is incompatible with an earlier schema' })).toBe(false);
    expect(isLevelRace({ status: 500, message: 'already exists' })).toBe(false);
    expect(isLevelRace(new Error('connect ECONNREFUSED'))).toBe(false);
  });
});
