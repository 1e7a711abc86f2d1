import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { resetGroupOffsets } from '../../ops/verify/group-offsets.ts';
import { outputEnds, readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { topicEnds } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { allDecided, ledgerRows } from '../support/ledger.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';

/** True once the group has committed up to the end of every partition of the requests topic. */
async function caughtUp(admin: KafkaJS.Admin, groupId: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(TOPICS.requests, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED });
  const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPICS.requests] });
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends.every((e) => Number(e.high) === Number(e.low) || (at.get(e.partition) ?? -1) >= Number(e.high));
}

const tableCounts = async (db: pg.Pool) =>
  (await db.query('SELECT (SELECT count(*) FROM issue_outcomes) AS outcomes, (SELECT count(*) FROM user_coupons) AS held, (SELECT sum(issued_quantity) FROM coupons) AS issued')).rows[0];

describe('replaying the requests topic', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  /** Output topics are read from here on: earlier runs' records are not this file's business. */
  let since: OutputOffsets;
  let admin: KafkaJS.Admin;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    since = await outputEnds();
    admin = kafkaJsClient(kafkaConnectionFromEnv()).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await producer.disconnect();
    await db.end();
  });

  it('adds no rows and yields the same outcome for every event id', async () => {
    const coupon = await createCoupon(db, 100);
    const start = await topicEnds(TOPICS.requests);
    const sent = await producer.send(Array.from({ length: 500 }, (_, i) => request(coupon, (i % 450) + 1)));
    const ids = sent.map((s) => s.eventId);
    const first = await (await ProcessorProcess.start({ instanceId: 'replay-first' })).ready();
    await eventually(() => allDecided(db, ids), 60_000);
    expect(await first.stop('SIGTERM')).toBe(0);
    const before = { counts: await tableCounts(db), ledger: await ledgerRows(db, ids) };

    // A group reset to where this test's records begin (the topic holds other tests' history
    // too, which a reset to the earliest offset would replay as well, only slower).
    const groupId = `replay-${randomUUID()}`;
    await resetGroupOffsets(kafkaConnectionFromEnv(), groupId, TOPICS.requests, start);
    const replayer = await (await ProcessorProcess.start({ instanceId: 'replayer', env: { PROCESSOR_GROUP_ID: groupId } })).ready();
    await eventually(() => caughtUp(admin, groupId), 180_000, 500);
    expect(await replayer.stop('SIGTERM')).toBe(0);

    expect(await tableCounts(db)).toEqual(before.counts);
    expect(await ledgerRows(db, ids)).toEqual(before.ledger);
    // The replay re-emitted each event's outcome: two committed records per event id, identical.
    const outputs = await readOutputs(producer.serde, since);
    const mine = new Set(ids);
    const records = [...outputs.issued, ...outputs.rejected].filter((r) => mine.has(r.eventId));
    expect(records).toHaveLength(2 * ids.length);
    const byEvent = new Map<string, string[]>();
    for (const r of records) byEvent.set(r.eventId, [...(byEvent.get(r.eventId) ?? []), JSON.stringify(r)]);
    for (const [, versions] of byEvent) expect(versions[0]).toBe(versions[1]);
  });
});
