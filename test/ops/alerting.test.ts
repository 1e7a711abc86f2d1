/**
 * The alerting chain end to end, with the stack's own components on private ports: a gateway and a
 * processor on a Kafka broker and a Redis of this test (so no other test's processors share its
 * consumer group, and its offsets never reach the shared watermarks), Debian's Prometheus scraping
 * both with the repository's alert rules, Debian's Alertmanager, and a Slack-compatible webhook
 * receiver of the test. Poison records of one coupon must show up as series, fire
 * CouponDeadLetters per cause, and reach the webhook as a Slack message naming the coupon, the
 * causes and the counts. Postgres and the registry are the shared ones.
 */
import http from 'node:http';
import fs from 'node:fs';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTopics } from '../../ops/provision/topics.ts';
import { startGateway, startProcessor, type ServiceProcess } from '../../ops/run/service-process.ts';
import { alertmanagerComponent } from '../../ops/stack/alertmanager.ts';
import type { Component } from '../../ops/stack/component.ts';
import { kafkaComponent } from '../../ops/stack/kafka.ts';
import type { ObservabilityLayout } from '../../ops/stack/observability.ts';
import { stackPath } from '../../ops/stack/paths.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { waitFor } from '../../ops/run/wait-for.ts';
import { prometheusComponent } from '../../ops/stack/prometheus.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { OwnRedis } from '../support/own-redis.ts';
import { kafkaJsClient, plaintextConnection } from '../../platform/kafka-config.ts';

/** This test's ports (19280-19299). */
const PORTS = { gateway: 19280, gatewayAdmin: 19294, processor: 19281, redis: 19282, kafka: 19286, prometheus: 19290, alertmanager: 19291, webhook: 19293 };
const BROKER = `127.0.0.1:${PORTS.kafka}`;
const ADMIN_TOKEN = 'alerting-test-admin-token';

const layout: ObservabilityLayout = {
  name: 'alerting-test',
  prometheusPort: PORTS.prometheus,
  alertmanagerPort: PORTS.alertmanager,
  targets: { gateway: [`127.0.0.1:${PORTS.gatewayAdmin}`], processor: [`127.0.0.1:${PORTS.processor}`] },
  interval: '1s',
  groupWait: '1s',
  groupInterval: '2s',
  slackWebhook: { url: `http://127.0.0.1:${PORTS.webhook}/slack` },
};
const kafka = kafkaComponent({ name: 'kafka-alerting-test', brokerPorts: [PORTS.kafka] });
const prometheus = prometheusComponent(layout);
const alertmanager = alertmanagerComponent(layout);

interface SlackMessage {
  text?: string;
  attachments?: Array<{ title?: string; text?: string }>;
}

/** A Slack-compatible incoming webhook: keeps every message posted to it. */
class WebhookReceiver {
  readonly messages: SlackMessage[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackMessage);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function startComponent(component: Component): Promise<void> {
  await component.prepare();
  await component.start();
  await waitFor(() => component.checkHealth().then(() => true), component.startTimeoutMs, 250, () => {
    const exited = component.processNames.find((name) => !isAlive(readPid(name)));
    return exited && `${exited} exited; see ${component.logFiles.join(', ')}`;
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${PORTS.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
  return body.data.result;
}

interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

async function alerts(): Promise<PrometheusAlert[]> {
  const res = await fetch(`http://127.0.0.1:${PORTS.prometheus}/api/v1/alerts`);
  return ((await res.json()) as { data: { alerts: PrometheusAlert[] } }).data.alerts;
}

const webhook = new WebhookReceiver();
const redis = new OwnRedis(PORTS.redis);
let gateway: ServiceProcess;
let processor: ServiceProcess;
let producer: KafkaJS.Producer;

beforeAll(async () => {
  // Alerts of an earlier run of this test must not be in this run's Prometheus.
  for (const c of [prometheus, alertmanager]) fs.rmSync(stackPath(c.name), { recursive: true, force: true });
  await Promise.all([webhook.listen(PORTS.webhook), redis.start(), startComponent(kafka).then(() => provisionTopics(plaintextConnection(BROKER), 6))]);
  await Promise.all([startComponent(prometheus), startComponent(alertmanager)]);
  const env = { KAFKA_BROKERS: BROKER, REDIS_URL: redis.url };
  [gateway, processor] = await Promise.all([
    startGateway('alerting-test', { ...env, ADMIN_TOKEN, GATEWAY_READY_TIMEOUT_MS: '500' }, { port: PORTS.gateway, adminPort: PORTS.gatewayAdmin }).then((s) => s.ready()),
    startProcessor({ instanceId: 'alerting-test', port: PORTS.processor, env: { ...env, PROCESSOR_LAG_INTERVAL_MS: '1000' } }).then((s) => s.ready()),
  ]);
  producer = kafkaJsClient(plaintextConnection(BROKER)).producer({ kafkaJS: { idempotent: true } });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await Promise.all([gateway?.stop(), processor?.stop()]);
  await Promise.all([prometheus.stop(), alertmanager.stop(), kafka.stop(), redis.stop(), webhook.close()]);
});

describe('alerting', () => {
  it('scrapes both services, fires the DLQ alert per coupon and cause, and posts it to the Slack webhook', async () => {
    const created = await fetch(`${gateway.adminUrl}/api/admin/coupons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alerting test', totalQuantity: 5 }),
    });
    expect(created.status).toBe(201);
    const coupon = String(((await created.json()) as { id: number }).id);
    const issued = await fetch(`${gateway.url}/api/coupons/${coupon}/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 1 }) });
    expect(issued.status).toBe(202);

    // The series exist in Prometheus, scraped from both services under the rules' job names.
    await eventually(async () => (await query('up{job=~"gateway|processor"} == 1')).length === 2, 30_000, 250);
    await eventually(async () => (await query('coupon_processor_records_total{job="processor",outcome="issued"} >= 1')).length === 1, 60_000, 250);
    // Scraped on its own schedule: the processor's series can be newer than the gateway's.
    await eventually(async () => (await query(`coupon_gateway_requests_total{job="gateway",outcome="accepted",status="202"}`)).length === 1, 30_000, 250);
    expect((await query('coupon_gateway_dependency_up == 1')).map((s) => s.metric.dependency).sort()).toEqual(['kafka', 'redis', 'registry']);
    // This instance owns all six partitions: one lag series each, nothing pending.
    await eventually(async () => (await query('coupon_processor_consumer_lag_records == 0')).length === 6, 30_000, 250);

    const poison: Array<{ value: Buffer | null; cause: string }> = [
      ...Array.from({ length: 3 }, () => ({ value: Buffer.from('not avro at all'), cause: 'WRONG_MAGIC_BYTE' })),
      { value: null, cause: 'MISSING_VALUE' },
    ];
    for (const p of poison) await producer.send({ topic: TOPICS.requests, messages: [{ key: coupon, value: p.value }] });

    await eventually(async () => {
      const counted = await query(`coupon_dlq_records_total{coupon="${coupon}"}`);
      return counted.map((s) => `${s.metric.cause}=${s.value[1]}`).sort().join(' ') === 'MISSING_VALUE=1 WRONG_MAGIC_BYTE=3';
    }, 60_000, 250);

    const firing = await eventually(async () => {
      const mine = (await alerts()).filter((a) => a.labels.alertname === 'CouponDeadLetters' && a.labels.coupon === coupon && a.state === 'firing');
      return mine.length === 2 && mine;
    }, 30_000, 250);
    expect(firing.map((a) => [a.labels.cause, a.annotations.summary]).sort()).toEqual([
      ['MISSING_VALUE', `1 record(s) of coupon ${coupon} went to the DLQ with cause MISSING_VALUE in the last 10 minutes`],
      ['WRONG_MAGIC_BYTE', `3 record(s) of coupon ${coupon} went to the DLQ with cause WRONG_MAGIC_BYTE in the last 10 minutes`],
    ]);
    expect(firing[0]!.annotations.runbook).toContain(`npm run ops -- dlq list --coupon ${coupon} --cause ${firing[0]!.labels.cause}`);

    // Alertmanager groups by alert and coupon: one Slack message naming the coupon, each cause and its count.
    const message = await eventually(
      () =>
        webhook.messages.find((m) => {
          const text = m.attachments?.map((a) => a.text).join('\n') ?? '';
          return text.includes(`3 record(s) of coupon ${coupon} went to the DLQ with cause WRONG_MAGIC_BYTE`) && text.includes(`1 record(s) of coupon ${coupon} went to the DLQ with cause MISSING_VALUE`);
        }),
      30_000,
      250,
    );
    expect(message.attachments![0]!.title).toBe(`[FIRING] CouponDeadLetters (coupon ${coupon})`);
    expect(message.attachments![0]!.text).toContain(`Run: npm run ops -- dlq list --coupon ${coupon} --cause`);
  });
});
