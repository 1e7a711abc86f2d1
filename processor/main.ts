/**
 * Processor entry point: wires Kafka, Postgres, Redis, the registry and the loop; SIGTERM/SIGINT
 * finish or abort the running transaction, leave the group and exit 0; a fatal error exits 1.
 */
import pg from 'pg';
import { pino } from 'pino';
import { connectRedis } from '../schemas/redis-connection.ts';
import { Serde } from '../schemas/serde.ts';
import { TOPICS } from '../schemas/topics.ts';
import { loadConfig } from './config.ts';
import { DeadLetterMonitor } from './dead-letter-monitor.ts';
import { buildHttp } from './http.ts';
import { LagMonitor } from './lag-monitor.ts';
import { ProcessorMetrics } from './metrics.ts';
import { createConsumer, createProducer, kafkaClient, ProcessingLoop } from './processor.ts';
import { StatusPublisher } from './status-publisher.ts';
import { IssuanceTask, OUTPUT_TOPICS } from './task.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'processor', level: config.logLevel });
  log.info({ mode: config.mode, groupId: config.groupId, transactionalId: config.transactionalId, batchMaxRecords: config.batchMaxRecords }, 'starting');

  const metrics = new ProcessorMetrics();
  const serde = new Serde(config.schemaRegistryUrl);
  await Promise.all([TOPICS.requests, ...OUTPUT_TOPICS].map((t) => serde.register(t)));

  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => log.warn({ err }, 'idle Postgres connection failed'));
  // Statuses are best effort: the processor starts and runs without Redis, and catches up later.
  const redis = await connectRedis(config.redis, 1000, log).catch((err: unknown) => {
    log.warn({ err }, 'Redis is not reachable; statuses and watermarks are skipped until it is');
    return undefined;
  });

  const kafka = kafkaClient(config, log);
  const producer = createProducer(kafka, config);
  const consumer = createConsumer(kafka, config);
  const admin = kafka.admin();
  await producer.connect();
  await consumer.connect();
  await admin.connect();

  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      exitCode = code;
      log.info({ exitCode: code }, 'stopping');
      lag.stop();
      await deadLetters.stop();
      await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
      await producer.disconnect().catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
      await admin.disconnect().catch(() => undefined);
      await http.close();
      await pool.end().catch(() => undefined);
      redis?.disconnect();
      log.info('stopped');
      process.exit(exitCode);
    })());

  const task = new IssuanceTask({ mode: config.mode, serde, pool, producer, consumer, statuses: new StatusPublisher(redis, log), metrics, log, abortDeadlineMs: config.transactionTimeoutMs });
  const loop = new ProcessingLoop(consumer, task, config, log, metrics, (err) => {
    log.fatal({ err }, 'fatal processing error; exiting so a supervisor restarts a fresh instance');
    void shutdown(1);
  });
  const lag = new LagMonitor(admin, config.groupId, () => consumer.assignment(), metrics, log);
  const deadLetters = new DeadLetterMonitor(kafka, config.groupId, serde, metrics, log);
  const http = buildHttp(metrics, () => loop.healthy);
  await http.listen({ port: config.metricsPort, host: config.metricsHost });

  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));

  await loop.start();
  lag.start(config.lagIntervalMs);
  // Monitoring only: a DLQ monitor that cannot start must not stop the processing.
  deadLetters.start().catch((err: unknown) => log.error({ err }, 'DLQ monitor failed; coupon_dlq_records_total is not counted by this instance'));
  log.info({ metrics: `http://${config.metricsHost}:${config.metricsPort}/metrics` }, 'processing');
}

main().catch((err: unknown) => {
  pino({ name: 'processor' }).fatal({ err }, 'processor failed to start');
  process.exit(1);
});
