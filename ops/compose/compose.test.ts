/**
 * docker-compose.yml cannot be run here (no Docker daemon), so this keeps it from drifting away
 * from the embedded stack it mirrors: same versions, same host ports, same roles and databases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED } from '../../platform/endpoints.ts';
import { ROOT } from '../stack/paths.ts';
import { KAFKA_VERSION } from '../stack/kafka.ts';
import { APICURIO_VERSION, REGISTRY_PORT } from '../stack/registry.ts';
import { APP_DB, POSTGRES_PORT, REGISTRY_DB } from '../stack/postgres.ts';
import { REDIS_PORT } from '../stack/redis.ts';
import { alertmanagerConfig, COMPOSE_ALERTING } from '../stack/alertmanager.ts';
import { stackObservability } from '../stack/observability.ts';
import { prometheusConfig } from '../stack/prometheus.ts';

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
    expect(service('kafka')).toMatch(new RegExp(`KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://${EMBEDDED.kafkaBrokers}[,\\n]`));
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

describe('observability in docker-compose.yml', () => {
  const prometheus = read('ops/prometheus/prometheus.yml');

  it('runs the gateway and the processor as services listening on all interfaces at their default ports', () => {
    expect(service('gateway')).toContain('command: ["npm", "run", "gateway"]');
    expect(service('gateway')).toMatch(/GATEWAY_HOST: 0\.0\.0\.0\n[^]*GATEWAY_PORT: 8080\n/);
    expect(service('processor')).toContain('command: ["npm", "run", "processor"]');
    expect(service('processor')).toMatch(/PROCESSOR_METRICS_HOST: 0\.0\.0\.0\n[^]*PROCESSOR_METRICS_PORT: 9464\n/);
    expect(fs.existsSync(path.join(ROOT, /dockerfile: (\S+) \}/.exec(service('gateway'))![1]!))).toBe(true);
  });

  it('points the services at the other containers by name, Kafka through a listener it advertises to them', () => {
    const env = service('gateway');
    const brokers = /KAFKA_BROKERS: (\S+)\n/.exec(env)![1]!;
    expect(service('kafka')).toMatch(new RegExp(`KAFKA_ADVERTISED_LISTENERS: .*CONTAINERS://${brokers}\n`));
    expect(service('kafka')).toMatch(new RegExp(`KAFKA_LISTENERS: .*CONTAINERS://:${port(brokers)}[,\n]`));
    expect(env).toContain(`SCHEMA_REGISTRY_URL: http://registry:8080/apis/ccompat/v7\n`);
    expect(env).toContain(`DATABASE_URL: postgres://${APP_DB.user}:${APP_DB.password}@postgres:5432/${APP_DB.database}\n`);
    expect(env).toContain('REDIS_URL: redis://redis:6379\n');
    expect(service('processor')).toContain('<<: *service-environment');
  });

  it('has Prometheus scrape them by service name under the job names the rules select on, with the rules loaded', () => {
    const stackJobs = (JSON.parse(prometheusConfig(stackObservability({}))) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map((s) => s.job_name);
    for (const [job, target] of [['gateway', 'gateway:8080'], ['processor', 'processor:9464']]) {
      expect(stackJobs).toContain(job);
      expect(prometheus).toMatch(new RegExp(`job_name: ${job}\\n(?:\\s+.*\\n)*?\\s+- targets: \\["${target}"\\]`));
    }
    expect(prometheus).toContain('rule_files:\n  - /etc/prometheus/rules/*.yml\n');
    expect(service('prometheus')).toContain('./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml');
    expect(service('prometheus')).toContain('./ops/prometheus/rules:/etc/prometheus/rules');
  });

  it('sends alerts to Alertmanager, configured as the stack’s with the webhook from a secret', () => {
    expect(prometheus).toContain('- targets: ["alertmanager:9093"]');
    expect(service('alertmanager')).toContain('"127.0.0.1:9093:9093"');
    expect(service('alertmanager')).toContain('./ops/prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml');
    expect(read('ops/prometheus/alertmanager.yml').replace(/^#.*\n/gm, '')).toBe(alertmanagerConfig(COMPOSE_ALERTING));
    const secret = COMPOSE_ALERTING.slackWebhook.file.split('/').at(-1)!;
    expect(service('alertmanager')).toContain(`secrets: [${secret}]`);
    expect(compose).toMatch(new RegExp(`^secrets:\\n(?:  #.*\\n)*  ${secret}:\\n    environment: ALERT_SLACK_WEBHOOK_URL\\n`, 'm'));
  });

  it('provisions Grafana with the Prometheus data source and the dashboards', () => {
    expect(service('grafana')).toContain('"127.0.0.1:3000:3000"');
    expect(service('grafana')).toContain('./ops/grafana/provisioning:/etc/grafana/provisioning');
    expect(service('grafana')).toContain('./ops/grafana/dashboards:/var/lib/grafana/dashboards');
    expect(read('ops/grafana/provisioning/datasources/prometheus.yml')).toContain('url: http://prometheus:9090\n');
    expect(read('ops/grafana/provisioning/dashboards/coupon-issuance.yml')).toContain('path: /var/lib/grafana/dashboards\n');
  });
});
