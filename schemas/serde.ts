/**
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro body) over the schema
 * registry. Writers register their schema once per topic and encode synchronously afterwards;
 * readers resolve each writer schema id once and decode with Avro schema resolution into their
 * own (reader) schema, so records written by a newer schema with added fields still decode.
 */
import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { schemaRegistryClient, type RegistryConnection } from '../platform/registry-config.ts';
import { COMPATIBILITY_LEVEL, ensureCompatibility, isRuleCreatedConcurrently } from './compatibility.ts';
import { avroSchemaOf, type TopicValues } from './contracts.ts';
import { DecodeError, RegistryUnavailableError } from './errors.ts';
import { valueSubject, type TopicName } from './topics.ts';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

interface Reader {
  type: avro.Type;
  resolver: avro.Resolver;
}

export class Serde {
  readonly registry: SchemaRegistry;
  private readonly types = new Map<TopicName, avro.Type>();
  private readonly writerIds = new Map<TopicName, number>();
  /** Keyed by `${topic}/${writerSchemaId}`; settled lookups are reused for the life of the process. */
  private readonly readers = new Map<string, Promise<Reader>>();
  /** The readers resolved so far, by topic and writer schema id: decodeKnown() needs no promise. */
  private readonly resolved = new Map<TopicName, Map<number, Reader>>();
  /** encode() writes each framed record here first (grown when a record does not fit). */
  private scratch = Buffer.allocUnsafe(1024);

  constructor(readonly connection: RegistryConnection) {
    this.registry = schemaRegistryClient(connection);
  }

  /** The reader type of a topic (its schema from schemas/avro). */
  typeOf(topic: TopicName): avro.Type {
    let type = this.types.get(topic);
    if (!type) {
      type = avro.Type.forSchema(avroSchemaOf(topic) as avro.Schema);
      this.types.set(topic, type);
    }
    return type;
  }

  /**
   * Registers (idempotently) the topic's schema under `<topic>-value` with the subjects'
   * compatibility policy (schemas/compatibility.ts; a subject at another level is moved to it
   * first) and remembers the id for encode(). Returns the id.
   */
  async register(topic: TopicName): Promise<number> {
    const known = this.writerIds.get(topic);
    if (known !== undefined) return known;
    const subject = valueSubject(topic);
    await ensureCompatibility(this.connection, subject);
    const registerOnce = () =>
      this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(avroSchemaOf(topic)) }, { subject, compatibility: COMPATIBILITY_LEVEL });
    // Two processes registering a new subject at once race on its level (see isLevelRace): the
    // level is set (by this one if not yet by the other), and registering again succeeds.
    const { id } = await registerOnce().catch(async (err: unknown) => {
      if (!isLevelRace(err)) throw err;
      await ensureCompatibility(this.connection, subject);
      return registerOnce();
    });
    this.writerIds.set(topic, id);
    return id;
  }

  /**
   * Encodes synchronously; register(topic) must have completed first. The record is framed in a
   * scratch buffer and copied out once into a buffer of its own from Node's pool: avsc's
   * toBuffer() allocates a zero-filled, unpooled buffer per record, which frame() then copied
   * again — about 2 us per record, paid per request by the gateway and the grant, per output by
   * the processor.
   */
  encode<T extends TopicName>(topic: T, value: TopicValues[T]): Buffer {
    const id = this.writerIds.get(topic);
    if (id === undefined) throw new Error(`schema of ${topic} is not registered yet: call register() first`);
    const type = this.typeOf(topic);
    let end = type.encode(value, this.scratch, HEADER_BYTES);
    if (end < 0) {
      // avsc answers how many bytes were missing, negated.
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
      end = type.encode(value, this.scratch, HEADER_BYTES);
    }
    writeHeader(this.scratch, id);
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    return out;
  }

  /** Decodes a record value of `topic`, or throws a DecodeError saying what is wrong with it. */
  async decode<T extends TopicName>(topic: T, value: Buffer | null | undefined): Promise<TopicValues[T]> {
    const schemaId = writerSchemaId(value);
    return readBody<T>(await this.readerFor(topic, schemaId), value!, schemaId);
  }

  /**
   * decode() without a promise, for hot loops: undefined when the record's writer schema has not
   * been resolved yet (or could not be) — decode() then resolves it, or says why not.
   */
  decodeKnown<T extends TopicName>(topic: T, value: Buffer | null | undefined): TopicValues[T] | undefined {
    const schemaId = writerSchemaId(value);
    const reader = this.resolved.get(topic)?.get(schemaId);
    return reader && readBody<T>(reader, value!, schemaId);
  }

  private readerFor(topic: TopicName, schemaId: number): Promise<Reader> {
    const key = `${topic}/${schemaId}`;
    let reader = this.readers.get(key);
    if (!reader) {
      reader = this.resolveReader(topic, schemaId);
      this.readers.set(key, reader);
      // Only definitive answers are cached: an outage, or an id the registry does not know yet
      // (it may be restored or replicated soon), must not poison the cache.
      reader.catch((err: unknown) => {
        if (err instanceof RegistryUnavailableError || (err instanceof DecodeError && err.errorType === 'UNKNOWN_SCHEMA_ID')) this.readers.delete(key);
      });
    }
    return reader;
  }

  private async resolveReader(topic: TopicName, schemaId: number): Promise<Reader> {
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(schemaId)) as unknown as avro.Type;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new DecodeError('UNKNOWN_SCHEMA_ID', `schema id ${schemaId} is not in the registry`, { cause: err });
      throw new RegistryUnavailableError(`schema registry lookup of id ${schemaId} failed: ${(err as Error).message}`, { cause: err });
    }
    const type = this.typeOf(topic);
    if (writer.name !== type.name) {
      throw new DecodeError('UNEXPECTED_SCHEMA', `schema id ${schemaId} is ${writer.name ?? 'an unnamed schema'}, expected ${type.name}`);
    }
    let reader: Reader;
    try {
      reader = { type, resolver: type.createResolver(writer) };
    } catch (err) {
      throw new DecodeError('UNEXPECTED_SCHEMA', `schema id ${schemaId} cannot be read as ${type.name}: ${(err as Error).message}`, { cause: err });
    }
    let byId = this.resolved.get(topic);
    if (!byId) this.resolved.set(topic, (byId = new Map()));
    byId.set(schemaId, reader);
    return reader;
  }
}

/** The writer schema id of a wire-format value, or a DecodeError saying what is wrong with its header. */
function writerSchemaId(value: Buffer | null | undefined): number {
  if (!value || value.length === 0) throw new DecodeError('MISSING_VALUE', 'record has no value');
  if (value[0] !== MAGIC_BYTE) throw new DecodeError('WRONG_MAGIC_BYTE', `magic byte is ${value[0]}, expected ${MAGIC_BYTE}`);
  if (value.length < HEADER_BYTES) throw new DecodeError('MALFORMED_BODY', `record is ${value.length} bytes, shorter than the 5-byte header`);
  return value.readInt32BE(1);
}

function readBody<T extends TopicName>(reader: Reader, value: Buffer, schemaId: number): TopicValues[T] {
  try {
    return reader.type.fromBuffer(value.subarray(HEADER_BYTES), reader.resolver) as TopicValues[T];
  } catch (err) {
    throw new DecodeError('MALFORMED_BODY', `body does not match schema id ${schemaId}: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes the Confluent wire-format header (magic byte, schema id) into the first HEADER_BYTES of `target`. */
function writeHeader(target: Buffer, schemaId: number): void {
  target[0] = MAGIC_BYTE;
  target.writeInt32BE(schemaId, 1);
}

/** Prefixes an Avro body with the Confluent wire-format header (the reference encode() is tested against). */
export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeHeader(out, schemaId);
  body.copy(out, HEADER_BYTES);
  return out;
}

/**
 * What another client registering the same new subject at once makes the registry client raise:
 * the registry's 409 when the other client set the subject's level first, or the client's own
 * level check when it read the subject between the other's registration and its setting of the
 * level (the registry's default level then, NONE; seen when a bench started a gateway and a
 * processor on fresh topics together).
 */
export function isLevelRace(err: unknown): boolean {
  const e = err as { status?: number; message?: string; name?: string };
  return e?.name === 'ConfluentSchemaRegistryCompatibilityError' || isRuleCreatedConcurrently(e?.status, e?.message);
}
