/** librdkafka's log lines through a service's pino logger. */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';

/** librdkafka's log lines through a service's pino logger (the client's own lines are JSON too). */
export function kafkaLogger(log: Logger): KafkaJS.Logger {
  const adapter: KafkaJS.Logger = {
    info: (message, extra) => log.info(extra ?? {}, message),
    warn: (message, extra) => log.warn(extra ?? {}, message),
    error: (message, extra) => log.error(extra ?? {}, message),
    debug: (message, extra) => log.debug(extra ?? {}, message),
    namespace: () => adapter,
    setLogLevel: () => undefined,
  };
  return adapter;
}
