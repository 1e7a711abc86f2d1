/**
 * What the observability components (Prometheus, Alertmanager) of the stack watch and where they
 * listen: `stack:up -- --observability` uses the fixed ports of the services and of this machine's
 * stack; a test passes a layout of its own (its own ports, a fast evaluation, its own webhook).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Component } from './component.ts';
import { ROOT, stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

const run = promisify(execFile);

export interface ObservabilityLayout {
  /** Prefix of process names and folder under .stack. */
  name: string;
  prometheusPort: number;
  alertmanagerPort: number;
  /** host:port of the services' /metrics, by job name. */
  targets: { gateway: string[]; processor: string[] };
  /** Prometheus scrape and rule evaluation interval. */
  interval: string;
  /** Alertmanager: how long a new alert group waits for more alerts, and between updates of a group. */
  groupWait: string;
  groupInterval: string;
  /** A Slack-compatible incoming webhook (Slack itself, or anything that takes its payload); unset: alerts stay in Alertmanager. */
  slackWebhook: SlackWebhook | undefined;
}

/** The webhook's URL, or a file holding it (a container secret: the URL stays out of the configuration). */
export type SlackWebhook = { url: string } | { file: string };

const port = (value: string | undefined, fallback: number): number => (value?.trim() ? Number(value) : fallback);

/** The stack's layout: the services on their default (or configured) ports, 9090 / 9093 unless overridden. */
export function stackObservability(env: NodeJS.ProcessEnv = process.env): ObservabilityLayout {
  return {
    name: 'observability',
    prometheusPort: port(env.PROMETHEUS_PORT, 9090),
    alertmanagerPort: port(env.ALERTMANAGER_PORT, 9093),
    targets: {
      gateway: [`127.0.0.1:${port(env.GATEWAY_ADMIN_PORT, 9465)}`],
      processor: [`127.0.0.1:${port(env.PROCESSOR_METRICS_PORT, 9464)}`],
    },
    interval: '5s',
    groupWait: '10s',
    groupInterval: '1m',
    slackWebhook: env.ALERT_SLACK_WEBHOOK_URL?.trim() ? { url: env.ALERT_SLACK_WEBHOOK_URL.trim() } : undefined,
  };
}

/** Debian's packages, installed by the bootstrap the first time they are asked for. */
export async function ensureInstalled(binary: string): Promise<void> {
  const found = await run('sh', ['-c', `command -v ${binary}`]).then(
    () => true,
    () => false,
  );
  if (!found) await run('bash', ['ops/bootstrap.sh', '--observability'], { cwd: ROOT });
}

/** Resolves once the server's /-/ready answers 200. */
export async function checkReady(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(3000) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`GET /-/ready answered ${res.status}`);
}

/** Where a daemon's files are, for its command line. */
export interface DaemonFiles {
  configFile: string;
  dataDir: string;
  /** host:port it listens on. */
  address: string;
}

/**
 * Prometheus and Alertmanager run alike: a Debian binary with a configuration file and a data
 * folder under .stack, on loopback, ready when `/-/ready` answers.
 */
export function daemonComponent(options: { name: string; binary: string; port: number; configName: string; config: string; args: (files: DaemonFiles) => string[] }): Component {
  const dir = stackPath(options.name);
  const files: DaemonFiles = { configFile: path.join(dir, options.configName), dataDir: path.join(dir, 'data'), address: `127.0.0.1:${options.port}` };
  return {
    name: options.name,
    address: files.address,
    startTimeoutMs: 30_000,
    logFiles: [logFile(options.name)],
    processNames: [options.name],
    async prepare() {
      await ensureInstalled(options.binary);
      fs.mkdirSync(files.dataDir, { recursive: true });
      fs.writeFileSync(files.configFile, options.config);
    },
    async start() {
      startDetached({ name: options.name, command: options.binary, args: options.args(files) });
    },
    checkHealth: () => checkReady(`http://${files.address}`),
    async stop() {
      await stopProcess(options.name);
    },
  };
}
