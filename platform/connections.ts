/** The Kafka and schema-registry connections of a process, parsed once at start-up by its configuration loader. */
import { KafkaConfigError, kafkaConnectionFromEnv, type KafkaConnection } from './kafka-config.ts';
import { RegistryConfigError, registryConnectionFromEnv, type RegistryConnection } from './registry-config.ts';

export interface Connections {
  kafka: KafkaConnection;
  registry: RegistryConnection;
}

/** Both connections; a bad setting becomes the caller's own configuration error (`wrap`), so it is reported like the caller's other settings. */
export function connectionsFromEnv(env: NodeJS.ProcessEnv, wrap: (message: string, cause: Error) => Error): Connections {
  try {
    return { kafka: kafkaConnectionFromEnv(env), registry: registryConnectionFromEnv(env) };
  } catch (err) {
    if (err instanceof KafkaConfigError || err instanceof RegistryConfigError) throw wrap(err.message, err);
    throw err;
  }
}
