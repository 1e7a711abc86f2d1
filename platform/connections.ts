/** The Kafka and schema-registry connections of a process, parsed once at start-up by its configuration loader. */
import { KafkaConfigError, kafkaConnectionFromEnv, type KafkaConnection } from './kafka-config.ts';
import { RegistryConfigError, registryConnectionFromEnv, type RegistryConnection } from './registry-config.ts';
import { ConfigError, serviceConfigError } from './service-config.ts';

export interface Connections {
  kafka: KafkaConnection;
  registry: RegistryConnection;
}

/** Both connections; a bad setting is a ConfigError about `service` (`invalid gateway configuration: ...`), like its other settings. */
export function connectionsFromEnv(env: NodeJS.ProcessEnv, service?: string): Connections {
  try {
    return { kafka: kafkaConnectionFromEnv(env), registry: registryConnectionFromEnv(env) };
  } catch (err) {
    if (!(err instanceof KafkaConfigError || err instanceof RegistryConfigError)) throw err;
    throw service ? serviceConfigError(service, err.message, { cause: err }) : new ConfigError(err.message, { cause: err });
  }
}
