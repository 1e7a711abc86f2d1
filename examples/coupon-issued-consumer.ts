/**
 * An example downstream consumer of `coupon-issued`, the way a team that reacts to issued coupons
 * (wallet, notifications) would write it:
 * - read_committed: only records of committed transactions, never those of an aborted attempt;
 * - values decoded through the schema registry (Confluent wire format: the writer's schema id);
 * - at-least-once on this side (offsets committed after the handler), so a record can come twice
 *   after a crash or a rebalance, and a replay of the processor can re-emit an identical record:
 *   de-duplicate by the record's eventId. Here a bounded in-memory set; in production, a unique key
 *   on eventId in the consumer's own store, written in the same transaction as its effect.
 *
 * Run it: npx tsx examples/coupon-issued-consumer.ts [--group ID]  (connection settings as for the
 * services: KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, SCHEMA_REGISTRY_URL, ...; see the README).
 */
import { pathToFileURL } from 'node:url';
import type { CouponIssued } from '../schemas/contracts.ts';
import { TOPICS } from '../schemas/topics.ts';
import { kafkaJsClient } from '../platform/kafka-config.ts';
import { schemaRegistryClient } from '../platform/registry-config.ts';
import { connectionsFromEnv, type Connections } from '../platform/connections.ts';
import { SeenEvents } from './seen-events.ts';
import { EXIT, parseOptions, UsageError } from '../ops/cli/args.ts';

export interface IssuedConsumerOptions {
  connections: Connections;
  groupId: string;
  /** Called once per distinct eventId; a rejection stops the consumer before the offset is committed. */
  onIssued: (coupon: CouponIssued) => Promise<void> | void;
  /** Called for a repeated eventId that was skipped. */
  onDuplicate?: (coupon: CouponIssued) => void;
  /** Event ids remembered for de-duplication. */
  remember?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

export async function consumeIssued(options: IssuedConsumerOptions): Promise<RunningConsumer> {
  const registry = schemaRegistryClient(options.connections.registry);
  const seen = new SeenEvents(options.remember ?? 1_000_000);
  const consumer = kafkaJsClient(options.connections.kafka).consumer({
    kafkaJS: { groupId: options.groupId, fromBeginning: true, readUncommitted: false, autoCommit: true },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.issued] });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const coupon = (await registry.decode(message.value!)) as CouponIssued;
      if (seen.firstTime(coupon.eventId)) await options.onIssued(coupon);
      else options.onDuplicate?.(coupon);
    },
  });
  return { stop: () => consumer.disconnect() };
}

const HELP = `Usage: npx tsx examples/coupon-issued-consumer.ts [--group ID]

Prints every issued coupon once (JSON lines), reading coupon-issued with read_committed and
de-duplicating by eventId. Connection settings come from the same variables as the services.
  --group ID   consumer group (default: coupon-issued-example)
  -h, --help   this text`;

async function main(argv: string[]): Promise<void> {
  const args = parseOptions({ group: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, argv);
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const groupId = args.string('group') ?? 'coupon-issued-example';
  const running = await consumeIssued({
    connections: connectionsFromEnv(process.env),
    groupId,
    onIssued: (coupon) => console.log(JSON.stringify(coupon)),
    onDuplicate: (coupon) => console.error(`duplicate of ${coupon.eventId} skipped`),
  });
  const stop = (): void => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof UsageError ? EXIT.usage : EXIT.failure);
  });
}
