/** The versions of everything measured, asked of the running components where they can tell. */
import Kafka from '@confluentinc/kafka-javascript';
import { isExternal } from '../../platform/endpoints.ts';
import { KAFKA_VERSION } from '../stack/kafka.ts';
import { APICURIO_VERSION } from '../stack/registry.ts';
import type { BenchContext } from './context.ts';
import type { Versions } from './report.ts';

/** Apicurio's own API lives beside its Confluent-compatible one. */
async function registryVersion(ccompatUrl: string): Promise<string> {
  const info = ccompatUrl.replace(/\/apis\/ccompat\/v\d+\/?$/, '/apis/registry/v3/system/info');
  try {
    const response = await fetch(info, { signal: AbortSignal.timeout(5000) });
    if (response.ok) {
      const body = (await response.json()) as { name?: string; version?: string };
      return `${body.name ?? 'registry'} ${body.version ?? '?'}`;
    }
  } catch {
    // not Apicurio, or not answering: fall through
  }
  return isExternal('schemaRegistryUrl') ? 'external (version unknown)' : `Apicurio Registry ${APICURIO_VERSION}`;
}

export async function collectVersions(ctx: BenchContext): Promise<Versions> {
  const { rows } = await ctx.db.query<{ server_version: string }>('SHOW server_version');
  return {
    node: process.version,
    // The broker does not report its release over the protocol; the embedded stack pins it.
    kafka: isExternal('kafkaBrokers') ? 'external (version unknown)' : KAFKA_VERSION,
    librdkafka: Kafka.librdkafkaVersion,
    postgres: rows[0]!.server_version,
    registry: await registryVersion(ctx.endpoints.schemaRegistryUrl),
  };
}
