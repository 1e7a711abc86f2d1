/**
 * Every Kafka client's configuration, built in one place: the brokers, the security settings and
 * librdkafka pass-through properties, parsed once from the environment (a wrong combination stops
 * the process with a message naming the variable), then handed to each client — the gateway's
 * producer, the processor's consumer, transactional producer and admin, and every ops tool.
 *
 *   KAFKA_SECURITY_PROTOCOL    PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
 *   KAFKA_SASL_MECHANISM       PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER (SASL_* only)
 *   KAFKA_SASL_USERNAME / _PASSWORD                      PLAIN and SCRAM
 *   KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL / _CLIENT_ID / _CLIENT_SECRET / _SCOPE
 *                              OAUTHBEARER through librdkafka's OIDC client-credentials method
 *   KAFKA_SSL_CA_LOCATION, KAFKA_SSL_CERTIFICATE_LOCATION, KAFKA_SSL_KEY_LOCATION,
 *   KAFKA_SSL_KEY_PASSWORD     PEM files (SSL and SASL_SSL only)
 *   KAFKA_RDKAFKA_<NAME>       any other librdkafka property: `_` stands for `.`, `__` for `_`
 *                              (KAFKA_RDKAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=none)
 */
import fs from 'node:fs';
import Kafka, { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { endpointsFromEnv } from './endpoints.ts';
import './kafka-client-fixes.ts';
import { kafkaLogger } from './kafka-logger.ts';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/** Where a client connects and the librdkafka properties every client of this process shares. */
export interface KafkaConnection {
  readonly brokers: string;
  /** Security and pass-through properties, validated; applied to every client. */
  readonly properties: Readonly<Record<string, string>>;
}

/** Brokers without security settings: the embedded stack's and the tests' own plaintext brokers. */
export const plaintextConnection = (brokers: string): KafkaConnection => ({ brokers, properties: {} });

/** A Kafka setting is missing, unknown or contradicts another; the message names the variable. */
export class KafkaConfigError extends Error {
  override name = 'KafkaConfigError';
}

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
export const PASS_THROUGH_PREFIX = 'KAFKA_RDKAFKA_';

/** Properties with a variable of their own: setting them through the pass-through would hide a conflict. */
const DEDICATED: Readonly<Record<string, string>> = {
  'bootstrap.servers': 'KAFKA_BROKERS',
  'metadata.broker.list': 'KAFKA_BROKERS',
  'security.protocol': 'KAFKA_SECURITY_PROTOCOL',
  'sasl.mechanism': 'KAFKA_SASL_MECHANISM',
  'sasl.mechanisms': 'KAFKA_SASL_MECHANISM',
  'sasl.username': 'KAFKA_SASL_USERNAME',
  'sasl.password': 'KAFKA_SASL_PASSWORD',
  'sasl.oauthbearer.method': 'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
  'sasl.oauthbearer.token.endpoint.url': 'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
  'sasl.oauthbearer.client.id': 'KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
  'sasl.oauthbearer.client.secret': 'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  'sasl.oauthbearer.scope': 'KAFKA_SASL_OAUTHBEARER_SCOPE',
  'ssl.ca.location': 'KAFKA_SSL_CA_LOCATION',
  'ssl.certificate.location': 'KAFKA_SSL_CERTIFICATE_LOCATION',
  'ssl.key.location': 'KAFKA_SSL_KEY_LOCATION',
  'ssl.key.password': 'KAFKA_SSL_KEY_PASSWORD',
};

/** Properties each client sets for its role; exactly-once and the partitioning contract depend on them. */
const OWNED_BY_CLIENTS = new Set([
  'group.id',
  'group.instance.id',
  'transactional.id',
  'enable.idempotence',
  'isolation.level',
  'enable.auto.commit',
  'acks',
  'partitioner',
  'transaction.timeout.ms',
]);

/** `KAFKA_RDKAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM` → `ssl.endpoint.identification.algorithm`; `__` → `_` (`LOG__LEVEL` → `log_level`). */
export function passThroughProperty(variable: string): string {
  return variable
    .slice(PASS_THROUGH_PREFIX.length)
    .toLowerCase()
    .split('__')
    .map((part) => part.replaceAll('_', '.'))
    .join('_');
}

function passThrough(env: NodeJS.ProcessEnv, problems: string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(PASS_THROUGH_PREFIX) || raw === undefined) continue;
    const property = passThroughProperty(variable);
    if (!/^[a-z0-9]+([._][a-z0-9]+)*$/.test(property)) problems.push(`${variable}: "${property}" is not a librdkafka property name`);
    else if (DEDICATED[property]) problems.push(`${variable}: set ${property} with ${DEDICATED[property]}`);
    else if (OWNED_BY_CLIENTS.has(property)) problems.push(`${variable}: ${property} is set by each client for exactly-once processing and cannot be overridden`);
    else if (raw.trim() === '') problems.push(`${variable}: empty value`);
    else {
      const refused = librdkafkaRefusal(property, raw.trim());
      if (refused) problems.push(`${variable}: ${refused}`);
      else properties[property] = raw.trim();
    }
  }
  return properties;
}

/**
 * librdkafka's own verdict on a property (an unknown name, a value it cannot take), asked when the
 * environment is parsed rather than when the first client is created: a configuration object
 * is built and checked, nothing connects.
 */
function librdkafkaRefusal(property: string, value: string): string | undefined {
  try {
    new Kafka.Producer({ [property]: value } as Kafka.ProducerGlobalConfig);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const isReadableFile = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** Reads the variables of one parse and collects every problem, so all of them are reported at once. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  text(variable: string): string | undefined {
    return this.env[variable]?.trim() || undefined;
  }

  /** A secret is taken as it is (spaces may belong to it); empty counts as unset. */
  secret(variable: string): string | undefined {
    return this.env[variable] || undefined;
  }

  oneOf<T extends string>(variable: string, allowed: readonly T[]): T | undefined {
    const value = this.text(variable)?.toUpperCase();
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${variable}: expected one of ${allowed.join(', ')}, got "${this.env[variable]}"`);
    return undefined;
  }

  required(variable: string, value: string | undefined, why: string): string | undefined {
    if (value === undefined) this.problems.push(`${variable}: required with ${why}`);
    return value;
  }
}

const SASL_VARIABLES = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
  'KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
  'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  'KAFKA_SASL_OAUTHBEARER_SCOPE',
];
const TLS_FILES = { KAFKA_SSL_CA_LOCATION: 'ssl.ca.location', KAFKA_SSL_CERTIFICATE_LOCATION: 'ssl.certificate.location', KAFKA_SSL_KEY_LOCATION: 'ssl.key.location' } as const;

/**
 * Parses the Kafka connection of this process from the environment; every problem is reported at
 * once in a KafkaConfigError. `readable` checks the TLS file paths (injectable for tests).
 */
export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv = process.env, readable: (file: string) => boolean = isReadableFile): KafkaConnection {
  const read = new EnvReader(env);
  const properties: Record<string, string> = {};
  const protocol = read.text('KAFKA_SECURITY_PROTOCOL') === undefined ? 'PLAINTEXT' : read.oneOf('KAFKA_SECURITY_PROTOCOL', PROTOCOLS);
  if (protocol && protocol !== 'PLAINTEXT') properties['security.protocol'] = protocol.toLowerCase();
  if (protocol) {
    Object.assign(properties, protocol.startsWith('SASL_') ? saslProperties(read, protocol) : refuseUnused(read, SASL_VARIABLES, `KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT (it is ${protocol})`));
    Object.assign(properties, protocol.endsWith('SSL') ? tlsProperties(read, readable) : refuseUnused(read, [...Object.keys(TLS_FILES), 'KAFKA_SSL_KEY_PASSWORD'], `KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL (it is ${protocol})`));
  }
  Object.assign(properties, passThrough(env, read.problems));
  if (read.problems.length > 0) throw new KafkaConfigError(`invalid Kafka configuration: ${read.problems.join('; ')}`);
  return { brokers: endpointsFromEnv(env).kafkaBrokers, properties };
}

function refuseUnused(read: EnvReader, variables: readonly string[], usedWith: string): Record<string, string> {
  for (const variable of variables) if (read.secret(variable) !== undefined) read.problems.push(`${variable}: only used with ${usedWith}`);
  return {};
}

function saslProperties(read: EnvReader, protocol: SecurityProtocol): Record<string, string> {
  const mechanism = read.oneOf('KAFKA_SASL_MECHANISM', MECHANISMS);
  if (read.text('KAFKA_SASL_MECHANISM') === undefined) read.problems.push(`KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=${protocol} (one of ${MECHANISMS.join(', ')})`);
  if (!mechanism) return {};
  const why = `KAFKA_SASL_MECHANISM=${mechanism}`;
  if (mechanism !== 'OAUTHBEARER') {
    refuseUnused(read, SASL_VARIABLES.filter((v) => v.startsWith('KAFKA_SASL_OAUTHBEARER_')), 'KAFKA_SASL_MECHANISM=OAUTHBEARER');
    const username = read.required('KAFKA_SASL_USERNAME', read.text('KAFKA_SASL_USERNAME'), why);
    const password = read.required('KAFKA_SASL_PASSWORD', read.secret('KAFKA_SASL_PASSWORD'), why);
    return username && password ? { 'sasl.mechanism': mechanism, 'sasl.username': username, 'sasl.password': password } : {};
  }
  refuseUnused(read, ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'], 'KAFKA_SASL_MECHANISM=PLAIN or SCRAM-SHA-256/512 (OAUTHBEARER takes KAFKA_SASL_OAUTHBEARER_*)');
  const endpoint = read.required('KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL', read.text('KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL'), `${why} (librdkafka's OIDC client-credentials method)`);
  if (endpoint && !/^https?:\/\/\S+$/.test(endpoint)) read.problems.push(`KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: expected an http(s) URL, got "${endpoint}"`);
  const clientId = read.required('KAFKA_SASL_OAUTHBEARER_CLIENT_ID', read.text('KAFKA_SASL_OAUTHBEARER_CLIENT_ID'), why);
  const clientSecret = read.required('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET', read.secret('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET'), why);
  if (!endpoint || !clientId || !clientSecret) return {};
  const scope = read.text('KAFKA_SASL_OAUTHBEARER_SCOPE');
  return {
    'sasl.mechanism': mechanism,
    'sasl.oauthbearer.method': 'oidc',
    'sasl.oauthbearer.token.endpoint.url': endpoint,
    'sasl.oauthbearer.client.id': clientId,
    'sasl.oauthbearer.client.secret': clientSecret,
    ...(scope ? { 'sasl.oauthbearer.scope': scope } : {}),
  };
}

function tlsProperties(read: EnvReader, readable: (file: string) => boolean): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [variable, property] of Object.entries(TLS_FILES)) {
    const file = read.text(variable);
    if (file === undefined) continue;
    if (readable(file)) properties[property] = file;
    else read.problems.push(`${variable}: cannot read the file "${file}"`);
  }
  const certificate = read.text('KAFKA_SSL_CERTIFICATE_LOCATION') !== undefined;
  const key = read.text('KAFKA_SSL_KEY_LOCATION') !== undefined;
  if (certificate !== key) read.problems.push('KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION: set both (a client certificate needs its key) or neither');
  const keyPassword = read.secret('KAFKA_SSL_KEY_PASSWORD');
  if (keyPassword !== undefined && !key) read.problems.push('KAFKA_SSL_KEY_PASSWORD: only used with KAFKA_SSL_KEY_LOCATION');
  else if (keyPassword !== undefined) properties['ssl.key.password'] = keyPassword;
  return properties;
}

export interface KafkaJsOptions {
  clientId?: string;
  /** librdkafka's log lines through this logger; without one the client logs nothing below `logLevel` to stderr. */
  log?: Logger;
  logLevel?: KafkaJS.logLevel;
  connectionTimeout?: number;
  requestTimeout?: number;
}

/** A KafkaJS-style client whose producers, consumers and admins all carry the connection's properties. */
export function kafkaJsClient(connection: KafkaConnection, options: KafkaJsOptions = {}): KafkaJS.Kafka {
  const { log, logLevel = KafkaJS.logLevel.ERROR, ...rest } = options;
  return new KafkaJS.Kafka({
    kafkaJS: { brokers: connection.brokers.split(','), logLevel, ...rest, ...(log ? { logger: kafkaLogger(log) } : {}) },
    ...connection.properties,
  });
}

/** The configuration of a plain librdkafka client (KafkaConsumer, Producer, AdminClient): the connection plus the client's own properties. */
export function rdkafkaConfig<T extends object>(connection: KafkaConnection, own: T): T & Kafka.GlobalConfig {
  return { 'metadata.broker.list': connection.brokers, ...connection.properties, ...own };
}
