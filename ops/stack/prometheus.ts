/** Debian's Prometheus as a stack component: scrapes the gateway and the processor, loads the alert rules. */
import path from 'node:path';
import type { Component } from './component.ts';
import { daemonComponent, type ObservabilityLayout } from './observability.ts';
import { ROOT } from './paths.ts';

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

export function prometheusComponent(layout: ObservabilityLayout): Component {
  return daemonComponent({
    name: `${layout.name}-prometheus`,
    binary: 'prometheus',
    port: layout.prometheusPort,
    configName: 'prometheus.yml',
    config: prometheusConfig(layout),
    args: ({ configFile, dataDir, address }) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=7d',
      `--web.listen-address=${address}`,
      // Links in alerts and messages point here (the default names the host, unreachable on loopback).
      `--web.external-url=http://${address}`,
      // POST /-/reload re-reads the rules after they change.
      '--web.enable-lifecycle',
    ],
  });
}
