/**
 * Mends a defect of @confluentinc/kafka-javascript (1.10.1): it turns a "coordinator not available"
 * reply — routine while a broker restarts or a coordinator moves — into
 * `new KafkaJSGroupCoordinatorNotAvailableError(...)`, a class its error module never defines. The
 * TypeError is thrown inside a native callback, so instead of a retriable error for the caller
 * (an aborted, retried transaction) the whole process dies. Defining the class as the module's
 * own "group coordinator not found" error gives the caller the error the client meant.
 * Loaded by kafka-config.ts, through which every client is built; drop it once the client
 * defines the class itself (kafka-client-fixes.test.ts then says so).
 */
import { createRequire } from 'node:module';

type ErrorClass = new (...args: unknown[]) => Error;

const require = createRequire(import.meta.url);
const errors = require('@confluentinc/kafka-javascript/lib/kafkajs/_error.js') as Record<string, unknown> & {
  KafkaJSGroupCoordinatorNotFound: ErrorClass;
};

/** Whether the client lacked the class and this module supplied it. */
export const coordinatorErrorMended = typeof errors.KafkaJSGroupCoordinatorNotAvailableError !== 'function';

if (coordinatorErrorMended) {
  errors.KafkaJSGroupCoordinatorNotAvailableError = class KafkaJSGroupCoordinatorNotAvailableError extends errors.KafkaJSGroupCoordinatorNotFound {
    constructor(...args: unknown[]) {
      super(...args);
      this.name = 'KafkaJSGroupCoordinatorNotAvailableError';
    }
  };
}
