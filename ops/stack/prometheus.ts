/** Debian's Prometheus as a stack component: scrapes the gateway and the processor, loads the alert rules. */
import fs from 'node:fs';
import path from 'node:path';
import type { Component } from './component.ts';
import { ensureInstalled, type ObservabilityLayout } from './observability.ts';
import { ROOT, stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

export const RULES_GLOB = path.join(ROOT, 'ops/prometheus/rules/*.yml');

/** The configuration file (JSON is YAML). Job names are the ones the alert rules select on. */
export function prometheusConfig(layout: ObservabilityLayout): string {
  const config = {
    global: { scrape_interval: layout.interval, evaluation_interval: layout.interval, scrape_timeout: layout.interval },
    rule_files: [RULES_GLOB],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${layout.alertmanagerPort}`] }] }] },
    scrape_configs: [
      { job_name: 'gateway', static_configs: [{ targets: layout.targets.gateway, labels: { service: 'gateway' } }] },
      { job_name: 'processor', static_configs: [{ targets: layout.targets.processor, labels: { service: 'processor' } }] },
      { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${layout.prometheusPort}`] }] },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Resolves once the server's /-/ready answers 200. */
export async function checkReady(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(3000) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`GET /-/ready answered ${res.status}`);
}

export function prometheusComponent(layout: ObservabilityLayout): Component {
  const name = `${layout.name}-prometheus`;
  const dir = stackPath(name);
  const configFile = path.join(dir, 'prometheus.yml');
  const address = `127.0.0.1:${layout.prometheusPort}`;
  return {
    name,
    address,
    startTimeoutMs: 30_000,
    logFiles: [logFile(name)],
    processNames: [name],
    async prepare() {
      await ensureInstalled('prometheus');
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      fs.writeFileSync(configFile, prometheusConfig(layout));
    },
    async start() {
      startDetached({
        name,
        command: 'prometheus',
        args: [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          '--storage.tsdb.retention.time=7d',
          `--web.listen-address=${address}`,
          // Links in alerts and messages point here (the default names the host, unreachable on loopback).
          `--web.external-url=http://${address}`,
          // POST /-/reload re-reads the rules after they change.
          '--web.enable-lifecycle',
        ],
      });
    },
    checkHealth: () => checkReady(`http://${address}`),
    async stop() {
      await stopProcess(name);
    },
  };
}
