/**
 * Per-broker control of the 3-broker cluster (`stack broker stop|kill|start <n>`): one broker goes
 * down and comes back while the other two keep their processes and the cluster keeps taking
 * acks=all writes (replication factor 3, min.insync.replicas 2). `up --kafka-cluster` with one
 * broker dead restarts that broker only and leaves no stale pid file. Runs the real CLI.
 */
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerProcessName, kafkaComponent, THREE_BROKERS } from '../../ops/stack/kafka.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { waitFor } from '../../ops/run/wait-for.ts';
import { runStackCli } from '../foundation/stack-cli.ts';
import { eventually } from '../support/eventually.ts';
import { kafkaJsClient, plaintextConnection } from '../../platform/kafka-config.ts';

const cluster = kafkaComponent(THREE_BROKERS);
const names = THREE_BROKERS.brokerPorts.map((_, i) => brokerProcessName(THREE_BROKERS, i));
const topic = `broker-control-${randomUUID()}`;
let kafka: KafkaJS.Kafka;
let admin: KafkaJS.Admin;

const pids = (): Array<number | undefined> => names.map(readPid);

/** An acks=all write goes through (retried while leadership moves), with a fresh producer each time. */
async function writes(): Promise<void> {
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
  await producer.connect();
  try {
    await eventually(() => producer.send({ topic, messages: [{ key: 'k', value: randomUUID() }] }).then(() => true), 60_000, 500);
  } finally {
    await producer.disconnect();
  }
}

async function allBrokersUp(): Promise<void> {
  await cluster.start(); // starts only the brokers that are not running
  await waitFor(() => cluster.checkHealth().then(() => true), cluster.startTimeoutMs, 500);
}

beforeAll(async () => {
  await cluster.prepare();
  await allBrokersUp();
  kafka = kafkaJsClient(plaintextConnection(cluster.address), { logLevel: KafkaJS.logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ timeout: 30_000, topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
  await writes();
}, 180_000);

afterAll(async () => {
  await allBrokersUp();
  await admin?.deleteTopics({ topics: [topic], timeout: 30_000 }).catch(() => undefined);
  await admin?.disconnect();
}, 180_000);

describe('one broker of the cluster', () => {
  for (const action of ['stop', 'kill'] as const) {
    it(`${action} 2 takes down broker 2 only; the cluster keeps serving; start 2 brings it back`, async () => {
      const before = pids();
      const down = await runStackCli('broker', action, '2');
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toContain(`kafka-cluster-2: ${action === 'kill' ? 'killed' : 'stopped'}`);
      expect(isAlive(before[1])).toBe(false);
      expect(readPid(names[1]!), 'no stale pid file').toBeUndefined();
      expect([pids()[0], pids()[2]]).toEqual([before[0], before[2]]);
      await writes();

      const up = await runStackCli('broker', 'start', '2');
      expect(up.code, up.stderr).toBe(0);
      const after = pids();
      expect(isAlive(after[1])).toBe(true);
      expect([after[0], after[2]]).toEqual([before[0], before[2]]);
      await writes();
    }, 180_000);
  }

  it('`up --kafka-cluster` after a broker died restarts that broker alone', async () => {
    const before = pids();
    expect((await runStackCli('broker', 'kill', '3')).code).toBe(0);

    const up = await runStackCli('up', '--kafka-cluster', '--no-provision');

    expect(up.code, up.stderr).toBe(0);
    const after = pids();
    expect([after[0], after[1]]).toEqual([before[0], before[1]]);
    expect(after[2]).not.toBe(before[2]);
    for (const pid of after) expect(isAlive(pid)).toBe(true);
    await writes();
  }, 300_000);
});
