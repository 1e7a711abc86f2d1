/**
 * Which of a test's own requests ended FAILED in the ledger or in the DLQ. A processor under test
 * also decides other test files' records, some of which end FAILED or dead-lettered on purpose,
 * so its counters cannot say whether this test's records failed.
 */
import type pg from 'pg';
import { readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import type { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { ledgerRows } from './ledger.ts';

/** A request as produced: its event id and where it landed. */
export interface Landed {
  eventId: string;
  partition: number;
  offset: number;
}

/**
 * The event ids of `requests` that are FAILED in the ledger, and of those with a dead letter. Dead
 * letters are matched by their source position, which an undecodable record's dead letter has too.
 */
export async function refusedOf(db: pg.Pool, serde: Serde, requests: readonly Landed[], since: OutputOffsets): Promise<{ failed: string[]; deadLettered: string[] }> {
  const rows = await ledgerRows(db, requests.map((r) => r.eventId));
  const at = new Map(requests.map((r) => [`${r.partition}@${r.offset}`, r.eventId]));
  const { deadLetters } = await readOutputs(serde, since);
  return {
    failed: requests.flatMap((r) => (rows.get(r.eventId)?.outcome === 'FAILED' ? [r.eventId] : [])),
    deadLettered: deadLetters.flatMap((d) => {
      const eventId = d.sourceTopic === TOPICS.requests ? at.get(`${d.sourcePartition}@${d.sourceOffset}`) : undefined;
      return eventId === undefined ? [] : [eventId];
    }),
  };
}
