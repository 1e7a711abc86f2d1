/** The embedded Kafka: one broker, the 3-broker cluster for fault tests, the SASL_SSL broker; KRaft, transactions on. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaJsClient, plaintextConnection, type KafkaConnection } from '../../platform/kafka-config.ts';
import type { Component } from './component.ts';
import { checkTcp } from './tcp.ts';
import { prepareSecurity, scramFormatArgs, secureConnection, secureListenerLines } from './kafka-security.ts';
import { findJava, provideJava } from './java.ts';
import { fetchClasspath } from './maven.ts';
import { cachePath, ROOT, stackPath } from './paths.ts';
import { isAlive, killProcess, logFile, readPid, startDetached, stopProcess } from './process.ts';

const run = promisify(execFile);

export const KAFKA_VERSION = '4.1.1';

export interface KafkaLayout {
  /** Folder under .stack and prefix of process names. */
  name: string;
  brokerPorts: number[];
  /** Each broker's controller port is its broker port + 1. */
  /** A single node whose client listener is SASL_SSL with SCRAM-SHA-512 (kafka-security.ts) instead of PLAINTEXT. */
  secure?: boolean;
}

export const SINGLE_BROKER: KafkaLayout = { name: 'kafka', brokerPorts: [19092] };
export const THREE_BROKERS: KafkaLayout = { name: 'kafka-cluster', brokerPorts: [29092, 29094, 29096] };
/** `stack up --secure`: the broker for trying the services against SASL_SSL + SCRAM (README, "Connecting to a secured cluster"). */
export const SECURE_BROKER: KafkaLayout = { name: 'kafka-secure', brokerPorts: [19094], secure: true };

const POM = path.join(ROOT, 'ops/stack/kafka-pom.xml');
/** Keyed by the pom's content too, so a changed class path is fetched anew rather than reused. */
const libsDir = cachePath(`kafka-${KAFKA_VERSION}-${crypto.createHash('sha256').update(fs.readFileSync(POM)).digest('hex').slice(0, 8)}`, 'libs');
const classpath = (): string => path.join(libsDir, '*');

function brokerConfig(layout: KafkaLayout, index: number): string {
  const n = layout.brokerPorts.length;
  const port = layout.brokerPorts[index]!;
  const voters = layout.brokerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p + 1}`).join(',');
  const isr = n === 1 ? 1 : 2;
  return [
    'process.roles=broker,controller',
    `node.id=${index + 1}`,
    `controller.quorum.voters=${voters}`,
    ...(layout.secure
      ? secureListenerLines(stackPath(layout.name), port)
      : [
          `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=PLAINTEXT',
          'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        ]),
    `log.dirs=${stackPath(layout.name, `broker-${index + 1}`, 'data')}`,
    'num.partitions=6',
    `default.replication.factor=${n}`,
    `min.insync.replicas=${isr}`,
    // Transactions and consumer offsets on one broker need replication factor 1.
    `offsets.topic.replication.factor=${n}`,
    'offsets.topic.num.partitions=12',
    `transaction.state.log.replication.factor=${n}`,
    `transaction.state.log.min.isr=${isr}`,
    'transaction.state.log.num.partitions=12',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

const LOG4J = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.controller.name = org.apache.kafka.controller
logger.controller.level = warn
`;

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding. Like Kafka's own generator it
 * never starts with '-', which the storage tool's argument parser would read as an option.
 */
export function newClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const configFile = (layout: KafkaLayout, index: number): string => stackPath(layout.name, `broker-${index + 1}`, 'server.properties');

/** The process (and pid file) name of a broker; `index` counts from 0, node ids from 1. */
export const brokerProcessName = (layout: KafkaLayout, index: number): string => `${layout.name}-${index + 1}`;

/** Starts one broker of a prepared layout, detached. */
export function startBroker(layout: KafkaLayout, index: number): number {
  const dir = stackPath(layout.name);
  return startDetached({
    name: brokerProcessName(layout, index),
    command: findJava(17),
    args: [
      '-Xms256m',
      '-Xmx1g',
      // ZGC, not G1: at 1,000 requests a second G1's young pauses (14-16 ms about every second,
      // longer when the two cores are busy) held the gateway's produce acks and the processor's
      // commits together, and were most of the end-to-end tail; ZGC's pauses are under a
      // millisecond, at the same broker CPU (docs/performance-log.md, 2026-11-29).
      '-XX:+UseZGC',
      // C1 only, as for the registry: the C2 compiler's threads took 0.09-0.14 of the two cores for
      // minutes after each start (a quarter of the broker's CPU at 1,000 requests a second, and
      // brokers restart often in chaos runs). C1's code costs the broker more a message at full
      // speed (0.7 against 0.5 s of CPU for the bench's 500,000-record produce limit), a small
      // share where the broker is never the bound (docs/performance-log.md, 2026-11-30).
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`,
      '-cp',
      classpath(),
      'kafka.Kafka',
      configFile(layout, index),
    ],
  });
}

/** `stop` is a clean shutdown (SIGTERM, controlled leadership hand-over); `kill` is SIGKILL. */
export type BrokerStop = 'stop' | 'kill';

/** Stops one broker and removes its pid file; the other brokers are not touched. */
export async function stopBroker(layout: KafkaLayout, index: number, how: BrokerStop): Promise<boolean> {
  const name = brokerProcessName(layout, index);
  return how === 'kill' ? killProcess(name) : stopProcess(name, 30_000);
}

export function kafkaComponent(layout: KafkaLayout): Component {
  const dir = stackPath(layout.name);
  const brokers = layout.brokerPorts.map((_, i) => brokerProcessName(layout, i));
  const address = layout.brokerPorts.map((p) => `127.0.0.1:${p}`).join(',');
  if (layout.secure && layout.brokerPorts.length !== 1) throw new Error(`${layout.name}: a secure layout has one broker`);
  const connection = (): KafkaConnection => (layout.secure ? secureConnection(dir, address) : plaintextConnection(address));

  return {
    name: layout.name,
    address,
    startTimeoutMs: 90_000,
    logFiles: brokers.map(logFile),
    processNames: brokers,

    async prepare() {
      await provideJava(17);
      await fetchClasspath(POM, libsDir, `kafka_2.13-${KAFKA_VERSION}.jar`);
      const clusterIdFile = path.join(dir, 'cluster.id');
      fs.mkdirSync(dir, { recursive: true });
      if (!fs.existsSync(clusterIdFile)) {
        fs.writeFileSync(clusterIdFile, newClusterId());
      }
      const clusterId = fs.readFileSync(clusterIdFile, 'utf8').trim();
      fs.writeFileSync(path.join(dir, 'log4j2.properties'), LOG4J);
      if (layout.secure) await prepareSecurity(dir);
      for (let i = 0; i < brokers.length; i++) {
        fs.mkdirSync(path.dirname(configFile(layout, i)), { recursive: true });
        fs.writeFileSync(configFile(layout, i), brokerConfig(layout, i));
        const formatted = fs.existsSync(path.join(dir, `broker-${i + 1}`, 'data', 'meta.properties'));
        if (!formatted) {
          const scram = layout.secure ? scramFormatArgs(dir) : [];
          await run(findJava(17), ['-cp', classpath(), 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', configFile(layout, i), ...scram], {
            env: { ...process.env, KAFKA_LOG4J_OPTS: '' },
          });
        }
      }
    },

    async start() {
      // Only the brokers that are not running: repairing one dead broker leaves the others alone.
      for (let i = 0; i < brokers.length; i++) if (!isAlive(readPid(brokers[i]!))) startBroker(layout, i);
    },

    async checkHealth() {
      await checkKafka(connection());
    },

    async stop() {
      await Promise.all(brokers.map((_, i) => stopBroker(layout, i, 'stop')));
    },
  };
}

/** Every broker port accepts connections and the cluster answers a metadata request. */
export async function checkKafka(kafka: KafkaConnection): Promise<void> {
  await Promise.all(kafka.brokers.split(',').map((a) => checkTcp(a)));
  const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000 }).admin();
  await admin.connect();
  try {
    await admin.listTopics({ timeout: 5000 });
  } finally {
    await admin.disconnect();
  }
}
