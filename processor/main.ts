/**
 * Processor entry point (composition root): wires Kafka, Postgres, Redis, the registry and the
 * loop. Start-up steps that a restarting dependency can fail (registry, transaction coordinator
 * loading) are retried up to the stall timeout. SIGTERM/SIGINT finish or abort the running
 * transaction, leave the group and exit 0; a zombie or a stall past the bound exits 1; a stop
 * that takes longer than PROCESSOR_SHUTDOWN_TIMEOUT_MS exits 1 where it is.
 */
import { openPool } from '../platform/postgres-pool.ts';
import { pino } from 'pino';
import { checkKafkaAccess } from '../platform/kafka-refusal.ts';
import { connectRedis } from '../platform/redis-connection.ts';
import { Serde } from '../schemas/serde.ts';
import { OUTPUT_TOPICS, TOPICS } from '../schemas/topics.ts';
import { loadConfig, PROCESSOR_APPLICATION_NAME } from './config.ts';
import { DeadLetterMonitor } from './dead-letter-monitor.ts';
import { FencedInstanceError } from './errors.ts';
import { fatalErrors } from './fatal-errors.ts';
import { buildHttp } from './http.ts';
import { IssuanceTask } from './issuance-task.ts';
import { asKafkaJsConsumer, connectConsumer, createConsumer, createProducer, disconnectConsumer, groupView, kafkaClient, watchConsumer } from './kafka-clients.ts';
import { LagMonitor } from './lag-monitor.ts';
import { MisroutedRecords } from './misrouted-records.ts';
import { ProcessorMetrics } from './metrics.ts';
import { modeStrategy } from './mode.ts';
import { PostgresDecider } from './postgres-decider.ts';
import { ProcessingLoop } from './processing-loop.ts';
import { retryUntil } from './retry.ts';
import { StatusPublisher } from './status-publisher.ts';
import { TransactionalProducer } from './transactional-producer.ts';
import { UnknownSchemaGrace } from './unknown-schemas.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'processor', level: config.logLevel });
  const mode = modeStrategy(config);
  log.info({ mode: config.mode, groupId: config.groupId, transactionalId: config.transactionalId, unitRecords: mode.unitRecords }, 'starting');

  const metrics = new ProcessorMetrics();
  const serde = new Serde(config.registry);
  await retryUntil('registering the schemas', config.stallTimeoutMs, log, () => Promise.all([TOPICS.requests, ...OUTPUT_TOPICS].map((t) => serde.register(t))));

  const pool = openPool(
    {
      connectionString: config.databaseUrl,
      // Two per partition in flight (one unit being decided, the next loaded: postgres-decider.ts), and one spare.
      max: 2 * mode.partitionsInFlight + 1,
      connectionTimeoutMillis: 5000,
      // A hung statement or a lock held by a stuck session becomes an error that is retried and
      // shows in /healthz, instead of a partition that silently stops.
      statement_timeout: config.pgStatementTimeoutMs,
      lock_timeout: config.pgLockTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: PROCESSOR_APPLICATION_NAME,
    },
    log,
  );
  // Redis is optional for processing: statuses queue up and are written once it is reachable.
  // The publisher batches its own writes (script calls of one coupon each), so no auto-pipelining.
  const statuses = new StatusPublisher(() => connectRedis(config.redis, 1000, log, { autoPipelining: false }), log, metrics);

  // A refused login or certificate is a configuration error: stop now with the broker's reason.
  await checkKafkaAccess(config.kafka);
  const kafka = kafkaClient(config, log);
  const consumer = createConsumer(config);
  const admin = kafka.admin();
  await retryUntil('connecting the consumer', config.stallTimeoutMs, log, () => connectConsumer(consumer, 10_000));
  await retryUntil('connecting the admin client', config.stallTimeoutMs, log, () => admin.connect());
  const producer = new TransactionalProducer(() => createProducer(kafka, config), asKafkaJsConsumer(consumer), metrics, log, config.transactionTimeoutMs, config.stallTimeoutMs);
  await producer.start();

  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  /** `closeConsumer` false for a zombie: its consumer never finishes closing (FencedInstanceError). */
  const shutdown = (code: number, closeConsumer = true): Promise<void> =>
    (stopping ??= (async () => {
      exitCode = code;
      log.info({ exitCode: code, closeConsumer }, 'stopping');
      // Before anything waits: a producer fenced now is not replaced (a zombie's would fence its successor).
      producer.retire();
      // A unit stuck in a call that never returns (the stall that brought us here, perhaps) would
      // hold the orderly stop forever.
      setTimeout(() => {
        log.error({ timeoutMs: config.shutdownTimeoutMs }, 'stopping took too long; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      lag.stop();
      misrouted.stop();
      await deadLetters.stop();
      await loop.stop();
      if (closeConsumer) await disconnectConsumer(consumer);
      await producer.close().catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
      await admin.disconnect().catch(() => undefined);
      await http.close();
      await statuses.close();
      await pool.end().catch(() => undefined);
      log.info('stopped');
      process.exit(exitCode);
    })());
  const fatal = fatalErrors(log, () => stopping !== undefined, (err) => void shutdown(1, !(err instanceof FencedInstanceError)));
  // A Kafka client's call can reject while the clients are being closed: harmless then. Any other
  // unhandled rejection is a bug that stops the process through the orderly shutdown rather than
  // by crashing out of it.
  process.on('unhandledRejection', (err) => {
    if (stopping) log.warn({ err }, 'unhandled rejection while stopping; ignored');
    else fatal(err instanceof Error ? err : new Error(String(err)));
  });

  const decider = new PostgresDecider(pool, mode, (stage, work) => metrics.time(stage, work), log);
  const misrouted = new MisroutedRecords(metrics.misroutedRecords, log);
  const task = new IssuanceTask({ serde, decider, producer, statuses, unknownSchemas: new UnknownSchemaGrace(config.unknownSchemaGraceMs), metrics, misrouted });
  const loop = new ProcessingLoop(consumer, task, mode, config, log, metrics, fatal);
  watchConsumer(consumer, log.child({ component: 'kafka' }), fatal);
  const lag = new LagMonitor(admin, groupView(consumer), metrics, log);
  const deadLetters = new DeadLetterMonitor(kafka, config.groupId, serde, metrics, log);
  const http = buildHttp(metrics, () => loop.healthy);
  await http.listen({ port: config.metricsPort, host: config.metricsHost });

  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));

  await misrouted.start(admin, config.lagIntervalMs);
  loop.start();
  lag.start(config.lagIntervalMs);
  // Monitoring only: a DLQ monitor that cannot start must not stop the processing.
  deadLetters.start().catch((err: unknown) => log.error({ err }, 'DLQ monitor failed; coupon_dlq_records_total is not counted by this instance'));
  log.info({ metrics: `http://${config.metricsHost}:${config.metricsPort}/metrics` }, 'processing');
}

main().catch((err: unknown) => {
  pino({ name: 'processor' }).fatal({ err }, 'processor failed to start');
  process.exit(1);
});
