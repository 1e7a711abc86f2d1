/**
 * Debian's Alertmanager as a stack component: groups the alerts by alert and coupon and delivers
 * them to a Slack-compatible webhook (the old design's DLQ Slack monitor), one line per alert with
 * its summary and the command to run.
 */
import type { Component } from './component.ts';
import { daemonComponent, type ObservabilityLayout } from './observability.ts';

/** Slack message text: one line per alert of the group. */
const SLACK_TEXT = '{{ range .Alerts }}{{ if eq .Status "resolved" }}[resolved] {{ end }}{{ .Annotations.summary }}. Run: {{ .Annotations.runbook }}\n{{ end }}';
const SLACK_TITLE = '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.coupon }} (coupon {{ . }}){{ end }}';

/** docker-compose.yml's Alertmanager: the webhook URL comes from a compose secret. */
export const COMPOSE_ALERTING = { slackWebhook: { file: '/run/secrets/slack_webhook_url' }, groupWait: '30s', groupInterval: '5m' } as const;

export function alertmanagerConfig(layout: Pick<ObservabilityLayout, 'slackWebhook' | 'groupWait' | 'groupInterval'>): string {
  const hook = layout.slackWebhook;
  const receiver = hook
    ? { name: 'slack', slack_configs: [{ ...('url' in hook ? { api_url: hook.url } : { api_url_file: hook.file }), send_resolved: true, title: SLACK_TITLE, text: SLACK_TEXT }] }
    : // No webhook configured: alerts are kept and shown by Alertmanager (its UI and API) only.
      { name: 'slack' };
  const config = {
    route: {
      receiver: 'slack',
      group_by: ['alertname', 'coupon'],
      group_wait: layout.groupWait,
      group_interval: layout.groupInterval,
      repeat_interval: '4h',
    },
    receivers: [receiver],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function alertmanagerComponent(layout: ObservabilityLayout): Component {
  return daemonComponent({
    name: `${layout.name}-alertmanager`,
    binary: 'prometheus-alertmanager',
    port: layout.alertmanagerPort,
    configName: 'alertmanager.yml',
    config: alertmanagerConfig(layout),
    args: ({ configFile, dataDir, address }) => [
      `--config.file=${configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=${address}`,
      // Links in alerts and messages point here (the default names the host, unreachable on loopback).
      `--web.external-url=http://${address}`,
      // A single instance: no gossip port (it would take 9094 on every interface).
      '--cluster.listen-address=',
    ],
  });
}
