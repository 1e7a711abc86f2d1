/**
 * The committed tail's Kafka reader, run as a child process of the bench (committed-tail.ts; a
 * worker thread cannot load the Kafka addon a second time): it only consumes read_committed and
 * stamps each handed-over batch with the time, so the sightings do not wait for the bench's event
 * loop, busy sending the load. The bench decodes them later. Input and output go over IPC.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { promisify } from 'node:util';
import { waitForFirstRecordOnly } from '../../platform/first-record-wait.ts';

export interface ReaderInput {
  config: Kafka.ConsumerGlobalConfig;
  assignments: Array<{ topic: string; partition: number; offset: number }>;
}

/** What the reader posts: batches of records with the time they were handed over, or its failure. */
export type ReaderMessage = { kind: 'ready' } | { kind: 'records'; at: number; records: Array<{ topic: string; value: Buffer | null }> } | { kind: 'failed'; message: string } | { kind: 'closed' };

const POLL_TIMEOUT_MS = 100;

type Send = (message: ReaderMessage) => void;

async function read(input: ReaderInput, send: Send, closing: Promise<void>): Promise<void> {
  let closed = false;
  void closing.then(() => {
    closed = true;
  });
  const consumer = new Kafka.KafkaConsumer(input.config, {});
  await promisify<void>((cb) => consumer.connect({}, (err) => cb(err)))();
  try {
    consumer.assign(input.assignments);
    consumer.setDefaultConsumeTimeout(POLL_TIMEOUT_MS);
    waitForFirstRecordOnly(consumer);
    const consume = promisify<number, Kafka.Message[]>((n, cb) => consumer.consume(n, cb));
    send({ kind: 'ready' });
    while (!closed) {
      const messages = await consume(5000);
      const at = Date.now();
      if (messages.length > 0) send({ kind: 'records', at, records: messages.map((m) => ({ topic: m.topic, value: m.value })) });
    }
  } finally {
    await promisify<void>((cb) => consumer.disconnect(() => cb(null)))();
  }
}

/** The bench sends the input first, then 'close'; a bench that dies takes the channel (and this process) with it. */
if (process.send) {
  const send: Send = (message) => process.send!(message);
  let input: (value: ReaderInput) => void = () => undefined;
  let close: () => void = () => undefined;
  const given = new Promise<ReaderInput>((resolve) => (input = resolve));
  const closing = new Promise<void>((resolve) => (close = resolve));
  process.on('message', (m: ReaderInput | 'close') => (m === 'close' ? close() : input(m)));
  process.on('disconnect', () => process.exit(1));
  given
    .then((i) => read(i, send, closing))
    .then(
      () => send({ kind: 'closed' }),
      (err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => process.disconnect());
}
