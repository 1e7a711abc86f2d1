/**
 * The secured embedded broker's TLS and SASL/SCRAM material: a CA and a broker certificate made
 * with openssl at the first start (PEM files, read by Kafka as `ssl.keystore.type=PEM`), and
 * SCRAM-SHA-512 credentials for the broker itself and for the services, created in the metadata
 * log when the storage is formatted (`kafka-storage format --add-scram`). Everything lives in the
 * broker's folder under .stack and is made once; later starts reuse it.
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { kafkaConnectionFromEnv, type KafkaConnection } from '../../platform/kafka-config.ts';

const run = promisify(execFile);

export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** The services' SCRAM user; the broker talks to itself as `admin`. */
export const CLIENT_USER = 'coupon';
const ADMIN_USER = 'admin';
const CERT_DAYS = 825;

export interface SecureFiles {
  caCertificate: string;
  /** The broker's key (PKCS#8) followed by its certificate: a PEM keystore. */
  brokerKeystore: string;
  credentials: string;
}

interface Credentials {
  admin: string;
  client: string;
}

export const secureFiles = (dir: string): SecureFiles => ({
  caCertificate: path.join(dir, 'ca.pem'),
  brokerKeystore: path.join(dir, 'broker-keystore.pem'),
  credentials: path.join(dir, 'scram-credentials.json'),
});

/** Makes the CA, the broker certificate (for 127.0.0.1 and localhost) and the SCRAM passwords unless they exist. */
export async function prepareSecurity(dir: string): Promise<void> {
  const files = secureFiles(dir);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(files.credentials)) {
    const credentials: Credentials = { admin: crypto.randomBytes(18).toString('base64url'), client: crypto.randomBytes(18).toString('base64url') };
    fs.writeFileSync(files.credentials, JSON.stringify(credentials), { mode: 0o600 });
  }
  if (fs.existsSync(files.brokerKeystore) && fs.existsSync(files.caCertificate)) return;
  const tmp = fs.mkdtempSync(path.join(dir, 'pki-'));
  const at = (name: string): string => path.join(tmp, name);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await run('openssl', ['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', String(CERT_DAYS), '-subj', '/CN=coupon-stack-ca']);
    await run('openssl', ['req', ...ec, '-keyout', at('broker.key'), '-out', at('broker.csr'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
    await run('openssl', ['x509', '-req', '-in', at('broker.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-copy_extensions', 'copy', '-days', String(CERT_DAYS), '-out', at('broker.pem')]);
    fs.writeFileSync(files.brokerKeystore, fs.readFileSync(at('broker.key'), 'utf8') + fs.readFileSync(at('broker.pem'), 'utf8'), { mode: 0o600 });
    fs.copyFileSync(at('ca.pem'), files.caCertificate);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const credentialsOf = (dir: string): Credentials => JSON.parse(fs.readFileSync(secureFiles(dir).credentials, 'utf8')) as Credentials;

/** `kafka-storage format` arguments that create both SCRAM users in the new metadata log. */
export function scramFormatArgs(dir: string): string[] {
  const { admin, client } = credentialsOf(dir);
  return [ADMIN_USER, CLIENT_USER].flatMap((name, i) => ['--add-scram', `${SCRAM_MECHANISM}=[name=${name},password=${[admin, client][i]}]`]);
}

/** server.properties lines of a single node whose only client listener is SASL_SSL with SCRAM-SHA-512 (the controller listener stays on loopback). */
export function secureListenerLines(dir: string, port: number): string[] {
  const files = secureFiles(dir);
  const { admin } = credentialsOf(dir);
  return [
    `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SASL_SSL',
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    `sasl.enabled.mechanisms=${SCRAM_MECHANISM}`,
    `sasl.mechanism.inter.broker.protocol=${SCRAM_MECHANISM}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_USER}" password="${admin}";`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${files.brokerKeystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${files.caCertificate}`,
    'ssl.client.auth=none',
  ];
}

/** The variables a service sets to reach the secured broker as the `coupon` user (also written to client.env by `stack up --secure`). */
export function secureClientEnv(dir: string, address: string, password = credentialsOf(dir).client): Record<string, string> {
  return {
    KAFKA_BROKERS: address,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: SCRAM_MECHANISM,
    KAFKA_SASL_USERNAME: CLIENT_USER,
    KAFKA_SASL_PASSWORD: password,
    KAFKA_SSL_CA_LOCATION: secureFiles(dir).caCertificate,
  };
}

/** Writes those variables to `client.env` in the broker's folder (owner-only: it holds the password) and returns its path. */
export function writeClientEnv(dir: string, address: string): string {
  const file = path.join(dir, 'client.env');
  const lines = Object.entries(secureClientEnv(dir, address)).map(([name, value]) => `${name}=${value}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** The connection of those variables, through the same parser the services use. */
export const secureConnection = (dir: string, address: string): KafkaConnection => kafkaConnectionFromEnv(secureClientEnv(dir, address));
