/**
 * What a processor test file works with: a Postgres pool, a request producer, and where the output
 * topics ended when the file started (earlier runs' records are not its business).
 */
import type pg from 'pg';
import { outputEnds, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { pool, RequestProducer } from './requests.ts';

export interface ProcessorTestKit {
  db: pg.Pool;
  producer: RequestProducer;
  since: OutputOffsets;
}

export async function openProcessorTestKit(): Promise<ProcessorTestKit> {
  return { db: pool(), producer: await new RequestProducer().connect(), since: await outputEnds() };
}

export async function closeProcessorTestKit(kit: Pick<ProcessorTestKit, 'db' | 'producer'>): Promise<void> {
  await kit.producer?.disconnect();
  await kit.db?.end();
}
