import { describe, expect, it } from 'vitest';
import { KafkaConfigError, kafkaConnectionFromEnv, passThroughProperty, rdkafkaConfig } from './kafka-config.ts';

const readable = (file: string): boolean => file.startsWith('/pki/');
const parse = (env: NodeJS.ProcessEnv) => kafkaConnectionFromEnv(env, readable);
const problems = (env: NodeJS.ProcessEnv): string => {
  try {
    parse(env);
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a KafkaConfigError');
};

describe('kafkaConnectionFromEnv()', () => {
  it('defaults to the embedded broker over PLAINTEXT with no extra properties', () => {
    expect(parse({})).toEqual({ brokers: '127.0.0.1:19092', properties: {} });
    expect(parse({ KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_SECURITY_PROTOCOL: 'plaintext' })).toEqual({ brokers: 'k1:9092,k2:9092', properties: {} });
  });

  it('SASL_SSL with SCRAM-SHA-512, a CA and mutual TLS', () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'coupon',
      KAFKA_SASL_PASSWORD: ' secret with spaces ',
      KAFKA_SSL_CA_LOCATION: '/pki/ca.pem',
      KAFKA_SSL_CERTIFICATE_LOCATION: '/pki/client.pem',
      KAFKA_SSL_KEY_LOCATION: '/pki/client.key',
      KAFKA_SSL_KEY_PASSWORD: 'keypass',
    };
    expect(parse(env).properties).toEqual({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.username': 'coupon',
      'sasl.password': ' secret with spaces ',
      'ssl.ca.location': '/pki/ca.pem',
      'ssl.certificate.location': '/pki/client.pem',
      'ssl.key.location': '/pki/client.key',
      'ssl.key.password': 'keypass',
    });
  });

  it.each(['PLAIN', 'SCRAM-SHA-256'])('SASL_PLAINTEXT with %s', (mechanism) => {
    const env = { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' };
    expect(parse(env).properties).toEqual({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': mechanism, 'sasl.username': 'u', 'sasl.password': 'p' });
  });

  it('SSL with the system CAs (no file at all)', () => {
    expect(parse({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).properties).toEqual({ 'security.protocol': 'ssl' });
  });

  it("OAUTHBEARER through librdkafka's OIDC client-credentials method", () => {
    const env = {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'https://idp.example/oauth2/token',
      KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'coupon-gateway',
      KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 's3cret',
      KAFKA_SASL_OAUTHBEARER_SCOPE: 'kafka',
    };
    expect(parse(env).properties).toEqual({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.method': 'oidc',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.oauthbearer.client.id': 'coupon-gateway',
      'sasl.oauthbearer.client.secret': 's3cret',
      'sasl.oauthbearer.scope': 'kafka',
    });
  });

  it('passes any other librdkafka property through, `_` as `.` and `__` as `_`', () => {
    const env = { KAFKA_RDKAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none', KAFKA_RDKAFKA_LOG__LEVEL: '3', KAFKA_RDKAFKA_CLIENT_DNS_LOOKUP: 'use_all_dns_ips' };
    expect(parse(env).properties).toEqual({ 'ssl.endpoint.identification.algorithm': 'none', log_level: '3', 'client.dns.lookup': 'use_all_dns_ips' });
    expect(passThroughProperty('KAFKA_RDKAFKA_SASL_OAUTHBEARER_EXTENSIONS')).toBe('sasl.oauthbearer.extensions');
    expect(passThroughProperty('KAFKA_RDKAFKA_ENABLE_SSL_CERTIFICATE_VERIFICATION')).toBe('enable.ssl.certificate.verification');
  });

  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, /KAFKA_SECURITY_PROTOCOL: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "TLS"/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, /KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' }, /KAFKA_SASL_MECHANISM: expected one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, got "GSSAPI"/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=SCRAM-SHA-512/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=PLAIN/],
    [{ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM: only used with KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT \(it is PLAINTEXT\)/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_USERNAME: only used with .*\(it is SSL\)/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL_CA_LOCATION: '/pki/ca.pem' }, /KAFKA_SSL_CA_LOCATION: only used with KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL \(it is SASL_PLAINTEXT\)/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_LOCATION: '/missing/ca.pem' }, /KAFKA_SSL_CA_LOCATION: cannot read the file "\/missing\/ca.pem"/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERTIFICATE_LOCATION: '/pki/c.pem' }, /set both \(a client certificate needs its key\) or neither/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_PASSWORD: 'x' }, /KAFKA_SSL_KEY_PASSWORD: only used with KAFKA_SSL_KEY_LOCATION/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }, /KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: required with KAFKA_SASL_MECHANISM=OAUTHBEARER \(librdkafka's OIDC/],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER', KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'idp/token', KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'c', KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 's' },
      /KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: expected an http\(s\) URL, got "idp\/token"/,
    ],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'c' }, /KAFKA_SASL_OAUTHBEARER_CLIENT_ID: only used with KAFKA_SASL_MECHANISM=OAUTHBEARER/],
    [{ KAFKA_RDKAFKA_SASL_PASSWORD: 'p' }, /KAFKA_RDKAFKA_SASL_PASSWORD: set sasl.password with KAFKA_SASL_PASSWORD/],
    [{ KAFKA_RDKAFKA_BOOTSTRAP_SERVERS: 'k:9092' }, /set bootstrap.servers with KAFKA_BROKERS/],
    [{ KAFKA_RDKAFKA_ISOLATION_LEVEL: 'read_uncommitted' }, /isolation.level is set by each client for exactly-once processing and cannot be overridden/],
    [{ KAFKA_RDKAFKA_PARTITIONER: 'consistent_random' }, /partitioner is set by each client/],
    [{ KAFKA_RDKAFKA_SOCKET_KEEPALIVE_ENABLE: ' ' }, /KAFKA_RDKAFKA_SOCKET_KEEPALIVE_ENABLE: empty value/],
    [{ KAFKA_RDKAFKA_: 'x' }, /KAFKA_RDKAFKA_: "" is not a librdkafka property name/],
    [{ KAFKA_RDKAFKA_SSL_ENDPOINT_IDENTIFICATION: 'none' }, /KAFKA_RDKAFKA_SSL_ENDPOINT_IDENTIFICATION: No such configuration property: "ssl.endpoint.identification"/],
    [{ KAFKA_RDKAFKA_SOCKET_TIMEOUT_MS: 'soon' }, /KAFKA_RDKAFKA_SOCKET_TIMEOUT_MS: Invalid value for configuration property "socket.timeout.ms"/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(problems(env)).toMatch(message);
  });

  it('reports every problem at once', () => {
    const message = problems({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SSL_CA_LOCATION: '/nope', KAFKA_RDKAFKA_GROUP_ID: 'g' });
    for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL_CA_LOCATION', 'KAFKA_RDKAFKA_GROUP_ID']) expect(message).toContain(`${variable}:`);
  });

  it('never echoes a secret in its messages', () => {
    const message = problems({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_SSL_KEY_PASSWORD: 'hunter3' });
    expect(message).not.toMatch(/hunter/);
  });
});

describe('rdkafkaConfig()', () => {
  it("puts the brokers and the connection's properties under the client's own", () => {
    const connection = { brokers: 'k:9092', properties: { 'security.protocol': 'sasl_ssl', 'fetch.wait.max.ms': '500' } };
    expect(rdkafkaConfig(connection, { 'group.id': 'g', 'fetch.wait.max.ms': 10 })).toEqual({
      'metadata.broker.list': 'k:9092',
      'security.protocol': 'sasl_ssl',
      'group.id': 'g',
      'fetch.wait.max.ms': 10,
    });
  });
});
