/** The generated Prometheus and Alertmanager configurations, checked by the tools' own validators. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { alertmanagerConfig } from './alertmanager.ts';
import { stackObservability } from './observability.ts';
import { prometheusConfig, RULES_GLOB } from './prometheus.ts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'observability-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('stackObservability', () => {
  it('scrapes the services on their fixed default ports, Prometheus on 9090 and Alertmanager on 9093', () => {
    const layout = stackObservability({});
    expect(layout).toMatchObject({ prometheusPort: 9090, alertmanagerPort: 9093, targets: { gateway: ['127.0.0.1:9465'], processor: ['127.0.0.1:9464'] } });
    expect(layout.slackWebhook).toBeUndefined();
  });

  it('follows the services’ port variables and takes its own', () => {
    const layout = stackObservability({ GATEWAY_ADMIN_PORT: '18080', PROCESSOR_METRICS_PORT: '19464', PROMETHEUS_PORT: '19290', ALERTMANAGER_PORT: '19291', ALERT_SLACK_WEBHOOK_URL: 'https://hooks.example/T' });
    expect(layout).toMatchObject({ prometheusPort: 19290, alertmanagerPort: 19291, targets: { gateway: ['127.0.0.1:18080'], processor: ['127.0.0.1:19464'] }, slackWebhook: { url: 'https://hooks.example/T' } });
  });
});

describe('prometheusConfig', () => {
  it('is valid for promtool, loads the alert rules and names the jobs the rules select on', async () => {
    const text = prometheusConfig(stackObservability({}));
    const config = JSON.parse(text) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    expect(config.rule_files).toEqual([RULES_GLOB]);
    expect(config.scrape_configs.map((s) => [s.job_name, s.static_configs[0]!.targets])).toEqual([
      ['gateway', ['127.0.0.1:9465']],
      ['processor', ['127.0.0.1:9464']],
      ['prometheus', ['127.0.0.1:9090']],
    ]);
    const { stdout } = await run('promtool', ['check', 'config', write('prometheus.yml', text)]);
    expect(stdout).toMatch(/SUCCESS: .*rule files found/s);
  });
});

describe('alertmanagerConfig', () => {
  it('is valid for amtool with and without a Slack webhook, grouping by alert and coupon', async () => {
    for (const slackWebhook of [{ url: 'http://127.0.0.1:19293/slack' }, { file: '/run/secrets/slack_webhook_url' }, undefined]) {
      const text = alertmanagerConfig({ ...stackObservability({}), slackWebhook });
      expect(JSON.parse(text)).toMatchObject({ route: { receiver: 'slack', group_by: ['alertname', 'coupon'] } });
      const { stdout } = await run('amtool', ['check-config', write('alertmanager.yml', text)]);
      expect(stdout).toMatch(/SUCCESS/);
    }
  });
});
