/**
 * docker-compose.yml cannot be run here (no Docker daemon), so this keeps it from drifting away
 * from the embedded stack it mirrors: same versions, same host ports, same roles and databases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED } from '../../schemas/endpoints.ts';
import { ROOT } from '../stack/paths.ts';
import { KAFKA_VERSION } from '../stack/kafka.ts';
import { APICURIO_VERSION, REGISTRY_PORT } from '../stack/registry.ts';
import { APP_DB, POSTGRES_PORT, REGISTRY_DB } from '../stack/postgres.ts';
import { REDIS_PORT } from '../stack/redis.ts';

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const compose = read('docker-compose.yml');

/** The text of one top-level service block (indented two spaces under `services:`). */
function service(name: string): string {
  const match = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(compose);
  if (!match?.[1]) throw new Error(`docker-compose.yml has no service "${name}"`);
  return match[1];
}

const port = (address: string): string => address.split(':').at(-1)!;

describe('docker-compose.yml', () => {
  it('runs the versions the embedded stack runs', () => {
    expect(service('kafka')).toContain(`image: apache/kafka:${KAFKA_VERSION}\n`);
    expect(service('registry')).toContain(`image: apicurio/apicurio-registry:${APICURIO_VERSION}\n`);
    expect(service('postgres')).toMatch(/image: postgres:15\n/);
    expect(service('redis')).toMatch(/image: redis:7\n/);
  });

  it('publishes every component on the host port of the embedded stack, loopback only', () => {
    expect(service('kafka')).toContain(`"127.0.0.1:${port(EMBEDDED.kafkaBrokers)}:${port(EMBEDDED.kafkaBrokers)}"`);
    expect(service('kafka')).toContain(`KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://${EMBEDDED.kafkaBrokers}\n`);
    expect(service('registry')).toContain(`"127.0.0.1:${REGISTRY_PORT}:8080"`);
    expect(service('postgres')).toContain(`"127.0.0.1:${POSTGRES_PORT}:5432"`);
    expect(service('redis')).toContain(`"127.0.0.1:${REDIS_PORT}:6379"`);
    expect(service('prometheus')).toContain('"127.0.0.1:9090:9090"');
  });

  it('gives a single broker replication factor 1 for transactions and offsets', () => {
    for (const setting of ['OFFSETS_TOPIC_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect(service('kafka')).toContain(`KAFKA_${setting}: 1\n`);
    }
  });

  it('creates the application and registry roles and databases, and points the registry at its own', () => {
    const init = read('ops/compose/postgres-init.sql');
    for (const db of [APP_DB, REGISTRY_DB]) {
      expect(init).toContain(`CREATE ROLE ${db.user} LOGIN PASSWORD '${db.password}';`);
      expect(init).toContain(`CREATE DATABASE ${db.database} OWNER ${db.user};`);
    }
    expect(service('registry')).toContain(`APICURIO_DATASOURCE_URL: jdbc:postgresql://postgres:5432/${REGISTRY_DB.database}\n`);
    expect(service('registry')).toContain(`APICURIO_DATASOURCE_USERNAME: ${REGISTRY_DB.user}\n`);
    expect(service('registry')).toContain(`APICURIO_DATASOURCE_PASSWORD: ${REGISTRY_DB.password}\n`);
  });
});

describe('ops/prometheus/prometheus.yml', () => {
  it('scrapes the gateway on 8080 and the processor on 9464 on the host', () => {
    const config = read('ops/prometheus/prometheus.yml');
    expect(config).toMatch(/job_name: gateway\n(?:\s+.*\n)*?\s+- targets: \["host\.docker\.internal:8080"\]/);
    expect(config).toMatch(/job_name: processor\n(?:\s+.*\n)*?\s+- targets: \["host\.docker\.internal:9464"\]/);
    expect(service('prometheus')).toContain('./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml');
  });
});
