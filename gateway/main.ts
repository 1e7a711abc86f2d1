/**
 * `npm run gateway`: configuration from the environment, the app, its two listeners, and a graceful
 * stop on SIGTERM/SIGINT (stop accepting, answer in-flight requests, flush the producer, close the
 * clients, exit 0; exit 1 if that takes longer than GATEWAY_SHUTDOWN_TIMEOUT_MS).
 */
import { pino } from 'pino';
import { buildGateway } from './app.ts';
import { ConfigError } from '../platform/service-config.ts';
import { loadConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.logLevel, base: { service: 'coupon-gateway' } });
  const app = await buildGateway(config, { logger: log });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining in-flight requests');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const { api, admin } = await app.listeners.listen({ host: config.host, port: config.port }, { host: config.adminHost, port: config.adminPort });
  log.info({ api: `${api.address}:${api.port}`, admin: `${admin.address}:${admin.port}` }, 'listening: public API, and admin API with /metrics');
}

main().catch((err: unknown) => {
  // Logged as JSON like everything else; a configuration error needs no stack trace.
  const log = pino({ base: { service: 'coupon-gateway' } });
  if (err instanceof ConfigError) log.fatal(err.message);
  else log.fatal({ err }, 'the gateway could not start');
  process.exit(1);
});
