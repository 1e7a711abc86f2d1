/**
 * docker-compose.yml cannot be run here (no Docker daemon), so a YAML parser reads it and these
 * tests keep it from drifting: the components mirror the embedded stack (versions, host ports,
 * roles and databases), the services run the Dockerfile's image with health checks, reach their
 * dependencies by service name with the variables they need, and Prometheus scrapes addresses a
 * service listens on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { EMBEDDED, ENV_NAMES } from '../../platform/endpoints.ts';
import { ROOT } from '../stack/paths.ts';
import { KAFKA_VERSION } from '../stack/kafka.ts';
import { APICURIO_VERSION, REGISTRY_PORT } from '../stack/registry.ts';
import { APP_DB, POSTGRES_PORT, REGISTRY_DB, SUPERUSER } from '../stack/postgres.ts';
import { REDIS_PORT } from '../stack/redis.ts';
import { alertmanagerConfig, COMPOSE_ALERTING } from '../stack/alertmanager.ts';
import { stackObservability } from '../stack/observability.ts';
import { prometheusConfig } from '../stack/prometheus.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition: string }>;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { environment?: string }>;
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: Array<{ targets: string[] }>;
}

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const compose = load(read('docker-compose.yml')) as Compose;
const prometheus = load(read('ops/prometheus/prometheus.yml')) as { rule_files: string[]; alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> }; scrape_configs: ScrapeConfig[] };

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}
const env = (name: string): Record<string, string> => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));
const port = (address: string): string => address.split(':').at(-1)!;
const dependencies = (name: string): Record<string, string> => {
  const deps = service(name).depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, 'service_started'])) : Object.fromEntries(Object.entries(deps).map(([d, c]) => [d, c.condition]));
};

/** Our services: built from the Dockerfile. */
const OWN = ['provision', 'gateway', 'processor'];
/** Where each of our services listens (the variables it reads), and the path compose checks its health on. */
// The gateway's second listener (admin API, /metrics) is where Prometheus scrapes it.
const LISTENS = {
  gateway: { portVar: 'GATEWAY_PORT', hostVar: 'GATEWAY_HOST', health: '/readyz', otherListeners: [{ portVar: 'GATEWAY_ADMIN_PORT', hostVar: 'GATEWAY_ADMIN_HOST' }] },
  processor: { portVar: 'PROCESSOR_METRICS_PORT', hostVar: 'PROCESSOR_METRICS_HOST', health: '/healthz', otherListeners: [] },
} as const;

/** The container ports a service listens on: our services' configured ports, an image's published container ports. */
function listeningPorts(name: string): string[] {
  const own = LISTENS[name as keyof typeof LISTENS];
  if (own) return [own, ...own.otherListeners].map((l) => env(name)[l.portVar]!);
  return (service(name).ports ?? []).map((p) => port(p));
}

/** The source a `node dist/<x>.js` command runs. */
const sourceOf = (distFile: string): string => path.join(ROOT, distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

describe('docker-compose.yml: the components of the embedded stack', () => {
  it('runs the versions the embedded stack runs', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(service('registry').image).toBe(`apicurio/apicurio-registry:${APICURIO_VERSION}`);
    expect(service('postgres').image).toBe('postgres:15');
    expect(service('redis').image).toBe('redis:7');
  });

  it('publishes every component on the host port of the embedded stack, loopback only', () => {
    const kafkaPort = port(EMBEDDED.kafkaBrokers);
    expect(service('kafka').ports).toEqual([`127.0.0.1:${kafkaPort}:${kafkaPort}`]);
    expect(String(env('kafka').KAFKA_ADVERTISED_LISTENERS).split(',')).toContain(`PLAINTEXT://${EMBEDDED.kafkaBrokers}`);
    expect(service('registry').ports).toEqual([`127.0.0.1:${REGISTRY_PORT}:8080`]);
    expect(service('postgres').ports).toEqual([`127.0.0.1:${POSTGRES_PORT}:5432`]);
    expect(service('redis').ports).toEqual([`127.0.0.1:${REDIS_PORT}:6379`]);
    for (const s of Object.values(compose.services)) for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('gives a single broker replication factor 1 for transactions and offsets', () => {
    for (const setting of ['OFFSETS_TOPIC_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect(env('kafka')[`KAFKA_${setting}`]).toBe('1');
    }
  });

  it('asks every TCP connection for a password, the superuser’s being the embedded stack’s', () => {
    expect(env('postgres')).toMatchObject({ POSTGRES_PASSWORD: SUPERUSER.password, POSTGRES_HOST_AUTH_METHOD: 'scram-sha-256', POSTGRES_INITDB_ARGS: '--auth-host=scram-sha-256' });
  });

  it('creates the application and registry roles and databases, and points the registry at its own', () => {
    const init = read('ops/compose/postgres-init.sql');
    for (const db of [APP_DB, REGISTRY_DB]) {
      expect(init).toContain(`CREATE ROLE ${db.user} LOGIN PASSWORD '${db.password}';`);
      expect(init).toContain(`CREATE DATABASE ${db.database} OWNER ${db.user};`);
    }
    expect(env('registry')).toMatchObject({
      APICURIO_DATASOURCE_URL: `jdbc:postgresql://postgres:5432/${REGISTRY_DB.database}`,
      APICURIO_DATASOURCE_USERNAME: REGISTRY_DB.user,
      APICURIO_DATASOURCE_PASSWORD: REGISTRY_DB.password,
    });
  });
});

describe('docker-compose.yml: the services', () => {
  it('names every service the README lists', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'gateway', 'grafana', 'kafka', 'postgres', 'processor', 'prometheus', 'provision', 'redis', 'registry']);
    const readme = read('README.md');
    for (const name of Object.keys(compose.services)) expect(readme).toContain(`\`${name}\``);
  });

  it('builds them from the Dockerfile’s runtime stage and runs compiled entry points with node', () => {
    const dockerfile = read('Dockerfile');
    for (const name of OWN) {
      const { build, command } = service(name);
      expect(build).toEqual({ context: '.', dockerfile: 'Dockerfile', target: 'runtime' });
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${build!.target}$`, 'm'));
      expect(command?.[0]).toBe('node');
      expect(fs.existsSync(sourceOf(command![1]!)), command![1]).toBe(true);
    }
    expect(service('gateway').command).toEqual(['node', 'dist/gateway/main.js']);
    expect(service('processor').command).toEqual(['node', 'dist/processor/main.js']);
  });

  it('listens on all interfaces inside the container, the gateway published on loopback', () => {
    for (const [name, own] of Object.entries(LISTENS)) for (const { hostVar } of [own, ...own.otherListeners]) expect(env(name)[hostVar]).toBe('0.0.0.0');
    expect(service('gateway').ports).toEqual([`127.0.0.1:${env('gateway').GATEWAY_PORT}:${env('gateway').GATEWAY_PORT}`]);
  });

  it('checks the gateway’s readiness and the processor’s health on the ports they listen on', () => {
    for (const [name, { portVar, health }] of Object.entries(LISTENS)) {
      const test = service(name).healthcheck?.test ?? [];
      expect(test.slice(0, 2)).toEqual(['CMD', 'node']);
      expect(fs.existsSync(sourceOf(test[2]!)), test[2]).toBe(true);
      expect(test[3]).toBe(`http://127.0.0.1:${env(name)[portVar]}${health}`);
    }
  });

  it('sets every endpoint variable, each naming a compose service and a port it listens on', () => {
    const listeners = { kafka: String(env('kafka').KAFKA_LISTENERS).split(',').map((l) => port(l)) };
    for (const name of OWN) {
      const vars = env(name);
      for (const variable of Object.values(ENV_NAMES)) expect(vars[variable], `${name} ${variable}`).toBeTruthy();
      const addresses = [vars.KAFKA_BROKERS!, new URL(vars.SCHEMA_REGISTRY_URL!).host, new URL(vars.DATABASE_URL!).host, new URL(vars.REDIS_URL!).host];
      for (const address of addresses) {
        const [host, p] = address.split(':') as [string, string];
        const ports = host === 'kafka' ? listeners.kafka : (service(host).ports ?? []).map((m) => port(m));
        expect(ports, `${name} reaches ${address}`).toContain(p);
      }
    }
    expect(String(env('kafka').KAFKA_ADVERTISED_LISTENERS).split(',')).toContain(`CONTAINERS://${env('gateway').KAFKA_BROKERS}`);
    expect(env('gateway').DATABASE_URL).toBe(`postgres://${APP_DB.user}:${APP_DB.password}@postgres:5432/${APP_DB.database}`);
  });

  it('starts them after the stack’s components, and the gateway and processor after provisioning', () => {
    for (const name of OWN) {
      const deps = dependencies(name);
      for (const component of ['kafka', 'registry', 'postgres']) expect(Object.keys(deps)).toContain(component);
      for (const [dep, condition] of Object.entries(deps)) {
        if (dep === 'provision') expect(condition).toBe('service_completed_successfully');
        else expect(condition).toBe(service(dep).healthcheck?.test ? 'service_healthy' : 'service_started');
      }
    }
    for (const name of Object.keys(LISTENS)) expect(dependencies(name)).toMatchObject({ provision: 'service_completed_successfully', redis: 'service_healthy' });
  });
});

describe('docker-compose.yml: observability', () => {
  it('has Prometheus scrape only addresses a compose service listens on, under the job names the rules select on', () => {
    const stackJobs = (JSON.parse(prometheusConfig(stackObservability({}))) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map((s) => s.job_name);
    const scraped = new Map<string, string[]>();
    for (const job of prometheus.scrape_configs) {
      for (const target of job.static_configs.flatMap((c) => c.targets)) {
        const [host, p] = target.split(':') as [string, string];
        const name = host === 'localhost' ? 'prometheus' : host;
        expect(listeningPorts(name), `${job.job_name} scrapes ${target}`).toContain(p);
        scraped.set(job.job_name, [...(scraped.get(job.job_name) ?? []), name]);
      }
    }
    for (const name of Object.keys(LISTENS)) {
      expect(stackJobs).toContain(name);
      expect(scraped.get(name)).toEqual([name]);
    }
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(service('prometheus').volumes).toEqual(expect.arrayContaining(['./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './ops/prometheus/rules:/etc/prometheus/rules:ro']));
  });

  it('sends alerts to Alertmanager, configured as the stack’s with the webhook from a secret', () => {
    const [alertmanager] = prometheus.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets));
    const [host, p] = alertmanager!.split(':') as [string, string];
    expect(listeningPorts(host)).toContain(p);
    expect(service('alertmanager').volumes).toContain('./ops/prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro');
    expect(read('ops/prometheus/alertmanager.yml').replace(/^#.*\n/gm, '')).toBe(alertmanagerConfig(COMPOSE_ALERTING));
    const secret = COMPOSE_ALERTING.slackWebhook.file.split('/').at(-1)!;
    expect(service('alertmanager').secrets).toEqual([secret]);
    expect(compose.secrets[secret]).toEqual({ environment: 'ALERT_SLACK_WEBHOOK_URL' });
  });

  it('provisions Grafana with the Prometheus data source and the dashboards', () => {
    expect(service('grafana').ports).toEqual(['127.0.0.1:3000:3000']);
    expect(service('grafana').volumes).toEqual(expect.arrayContaining(['./ops/grafana/provisioning:/etc/grafana/provisioning:ro', './ops/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    expect(read('ops/grafana/provisioning/datasources/prometheus.yml')).toContain(`url: http://prometheus:${port(service('prometheus').ports![0]!)}\n`);
    expect(read('ops/grafana/provisioning/dashboards/coupon-issuance.yml')).toContain('path: /var/lib/grafana/dashboards\n');
  });
});
