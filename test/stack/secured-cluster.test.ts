/**
 * The services against a secured cluster: a broker of the test's own (ops/stack's Kafka component
 * in its secure layout: one SASL_SSL listener with SCRAM-SHA-512, TLS from a CA made at its first
 * start; 127.0.0.1:20200, controller 20201) and a Redis of its own (20202, so its processor's
 * watermarks never meet the shared ones). The gateway and a processor connect only through the
 * KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_* variables; a request is issued end to end,
 * its outcome committed in a transaction on the secured broker. A wrong password stops both
 * services at once with the broker's reason instead of a generic timeout.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessor, type ServiceProcess } from '../../ops/run/service-process.ts';
import { provisionTopics } from '../../ops/provision/topics.ts';
import { kafkaComponent } from '../../ops/stack/kafka.ts';
import { secureClientEnv } from '../../ops/stack/kafka-security.ts';
import { stackPath } from '../../ops/stack/paths.ts';
import { readCommittedSince } from '../../ops/verify/read-committed.ts';
import { kafkaConnectionFromEnv, type KafkaConnection } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { createCoupon, JSON_HEADERS, startGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startBroker } from '../support/own-broker.ts';
import { OwnRedis } from '../support/own-redis.ts';

const broker = kafkaComponent({ name: 'kafka-secured-test', brokerPorts: [20200], secure: true });
const ownRedis = new OwnRedis(20202);
/** How long a refused login may take to stop a service: far below librdkafka's own 30-60 s connect timeouts. */
const REFUSAL_DEADLINE_MS = 20_000;

let env: Record<string, string>;
let kafka: KafkaConnection;
let gw: TestGateway | undefined;
let processor: ServiceProcess | undefined;

/** Rejects if `promise` has not settled within `ms`: a refusal must not hang. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  await Promise.all([ownRedis.start(), broker.prepare().then(() => startBroker(broker))]);
  env = { ...secureClientEnv(stackPath(broker.name), broker.address), REDIS_URL: ownRedis.url, PROCESSOR_GROUP_ID: 'secured-cluster-test' };
  kafka = kafkaConnectionFromEnv(env);
  await provisionTopics(kafka, 6);
}, 240_000);

afterAll(async () => {
  await gw?.app.close();
  await processor?.stop();
  await broker.stop();
  await ownRedis.stop();
});

describe('a secured cluster (SASL_SSL, SCRAM-SHA-512)', () => {
  it('the broker accepts nothing but authenticated TLS: the secure layout has no PLAINTEXT listener', () => {
    const config = fs.readFileSync(stackPath(broker.name, 'broker-1', 'server.properties'), 'utf8');
    expect(config).toMatch(/^listeners=SASL_SSL:\/\/127\.0\.0\.1:20200,CONTROLLER:\/\/127\.0\.0\.1:20201$/m);
    expect(config).not.toMatch(/PLAINTEXT:\/\/127\.0\.0\.1:20200/);
    expect(kafka.properties).toMatchObject({ 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'coupon' });
  });

  it('the gateway and the processor issue a request end to end, committed in a transaction on the secured broker', async () => {
    [gw, processor] = await Promise.all([startGateway(env), startProcessor({ instanceId: 'secured-cluster', env }).then((p) => p.ready())]);
    const couponId = await createCoupon(gw.app, { totalQuantity: 1 });
    const issue = (userId: number) => gw!.app.inject({ method: 'POST', url: `/api/coupons/${couponId}/issue`, headers: JSON_HEADERS, payload: { userId } });
    expect((await issue(7)).statusCode).toBe(202);

    const status = await eventually(async () => {
      const answer = (await gw!.app.inject({ method: 'GET', url: `/api/coupons/${couponId}/issue/7` })).json() as { status: string };
      return answer.status === 'ISSUED' && answer;
    }, 60_000, 200);
    expect(status).toMatchObject({ status: 'ISSUED' });

    const records = await eventually(async () => {
      const found = await readCommittedSince(TOPICS.issued, new Map(), (r) => r.key?.toString() === String(couponId), kafka);
      return found.length > 0 && found;
    }, 30_000, 200);
    expect(records).toHaveLength(1);
    const issued = await new Serde(registryConnectionFromEnv()).decode(TOPICS.issued, records[0]!.value);
    expect(issued).toMatchObject({ couponId, userId: 7 });
  });

  it('a wrong password stops the gateway and the processor at once, with the broker\'s reason', async () => {
    const wrong = { ...env, KAFKA_SASL_PASSWORD: 'not-the-password' };
    const reason = /Kafka at 127\.0\.0\.1:20200 refused the connection as coupon \(SCRAM-SHA-512\) over SASL_SSL: .*invalid credentials/;
    await expect(within(startGateway(wrong), REFUSAL_DEADLINE_MS, 'the gateway start')).rejects.toThrow(reason);

    const logFile = stackPath('logs', 'processor-secured-wrong-password.log');
    const logged = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const wrongProcessor = await startProcessor({ instanceId: 'secured-wrong-password', env: { ...wrong, PROCESSOR_GROUP_ID: 'secured-wrong-password' } });
    try {
      expect(await within(wrongProcessor.exited, REFUSAL_DEADLINE_MS, 'the processor')).toBe(1);
    } finally {
      await wrongProcessor.stop('SIGKILL');
    }
    const log = fs.readFileSync(logFile).subarray(logged).toString('utf8');
    expect(log).toMatch(/KafkaAccessError/);
    expect(log).toMatch(reason);
  });
});
