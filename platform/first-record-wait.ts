/**
 * consume(n) of a native consumer waits up to its timeout for every record by default: on a
 * partition that keeps receiving records it returns only with n of them, or after a gap as long
 * as the timeout. A reader of a range (the reconciler's pending requests, ops and verification)
 * met that beside a sale at 40 requests/s: a consume(10,000) returned after minutes. Set, it
 * waits for the first record only and returns with what else is ready.
 */
import type Kafka from '@confluentinc/kafka-javascript';

/** Not in the client's type declarations. */
interface FirstMessageTimeout {
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
}

export function waitForFirstRecordOnly(consumer: InstanceType<typeof Kafka.KafkaConsumer>): void {
  (consumer as unknown as FirstMessageTimeout).setDefaultIsTimeoutOnlyForFirstMessage(true);
}
