/**
 * `npm run provision` / `node dist/ops/provision/main.js`: creates the topics, registers the
 * subjects and applies the migrations at the configured endpoints (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, DATABASE_URL), idempotently, and exits — a deployment's one-shot step
 * before the services start (docker-compose.yml's `provision`). `stack:up` runs the same.
 */
import { provisionAll } from './provision.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`usage: npm run provision   (or: node dist/ops/provision/main.js)

Creates the topics, registers the Avro subjects and applies the Postgres migrations at
KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL (defaults: the embedded stack); idempotent.
`);
  process.exit(0);
}

try {
  await provisionAll((msg) => console.log(`[provision] ${msg}`));
  process.exit(0);
} catch (err) {
  console.error(`[provision] FAILED ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
