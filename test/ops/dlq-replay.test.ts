import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { outputEnds, readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { readCommittedSince, topicEnds } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { ledgerRows } from '../support/ledger.ts';
import { opsJson } from '../support/ops-cli.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';

interface ReplayJson {
  replayed: number;
  items: Array<{ position: string; eventId: string; ledgerBefore: { outcome: string } | null; replayedTo: string | null }>;
}

/**
 * A request Postgres refuses for a reason outside its bytes (here a trigger standing for, say, a
 * constraint that was wrong) is dead-lettered as UNPROCESSABLE. Once the cause is fixed, replaying
 * it decides it afresh: issued exactly once, however often it is replayed.
 *
 * The fix here covers new deliveries only: the original records stay refused. Processors of other
 * tests' consumer groups read the same topic and would otherwise decide the originals on their
 * own once the cause is gone, and the test could not tell that from the replay.
 */
describe('coupon-ops dlq replay after the cause is fixed', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let processor: ProcessorProcess & { groupId: string };
  let admin: KafkaJS.Admin;
  let coupon: number;
  let since: OutputOffsets;
  const refusal = (id: number) => `ops_replay_test_refuse_${id}`;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    admin = kafkaJsClient(kafkaConnectionFromEnv()).admin();
    await admin.connect();
    processor = await (await ProcessorProcess.startAlone({ instanceId: 'ops-dlq-replay' })).ready();
    since = await outputEnds();
    coupon = await createCoupon(db, 5);
  });

  afterAll(async () => {
    for (const table of ['user_coupons', 'issue_rejections']) await db.query(`DROP TRIGGER IF EXISTS ${refusal(coupon)} ON ${table}`);
    await db.query(`DROP FUNCTION IF EXISTS ${refusal(coupon)}()`);
    expect(await processor.stop('SIGTERM')).toBe(0);
    await admin.disconnect();
    await producer.disconnect();
    await db.end();
  });

  /** Postgres refuses the coupon's ISSUED and REJECTED outcomes (check_violation, a data-class error) when `refused` holds for the row. */
  async function refuse(refused: string): Promise<void> {
    await db.query(`CREATE OR REPLACE FUNCTION ${refusal(coupon)}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${refused} THEN RAISE EXCEPTION 'coupon % refused by the replay test', NEW.coupon_id USING ERRCODE = 'check_violation'; END IF;
        RETURN NEW;
      END $$`);
  }

  /** True once this test's processor has committed past `offset` of `partition`. */
  async function processedPast(partition: number, offset: number): Promise<boolean> {
    const [committed] = await admin.fetchOffsets({ groupId: processor.groupId, topics: [TOPICS.requests] });
    return Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1) > offset;
  }

  it('issues the replayed requests exactly once (twice replayed: still once)', async () => {
    // The cause: every outcome but FAILED of this coupon is refused.
    await refuse('true');
    // The ledger's two tables: a winner's row in user_coupons, any other outcome in issue_rejections.
    await db.query(`CREATE TRIGGER ${refusal(coupon)} BEFORE INSERT ON user_coupons FOR EACH ROW WHEN (NEW.coupon_id = ${coupon}) EXECUTE FUNCTION ${refusal(coupon)}()`);
    await db.query(`CREATE TRIGGER ${refusal(coupon)} BEFORE INSERT ON issue_rejections FOR EACH ROW WHEN (NEW.coupon_id = ${coupon} AND NEW.outcome <> 'FAILED') EXECUTE FUNCTION ${refusal(coupon)}()`);
    const dlqStart = await topicEnds(TOPICS.dlq);
    const sent = await producer.send([request(coupon, 1), request(coupon, 2)]);
    const ids = sent.map((s) => s.eventId);
    const key = String(coupon);

    // This processor's dead letters (a processor of another group may write its own for other reasons).
    const deadLetters = await eventually(async () => {
      const records = await readCommittedSince(TOPICS.dlq, dlqStart, (r) => r.key?.toString() === key);
      const decoded = await Promise.all(records.map(async (r) => ({ position: `${r.partition}:${r.offset}`, letter: await producer.serde.decode(TOPICS.dlq, r.value) })));
      const mine = decoded.filter((d) => d.letter.errorType === 'UNPROCESSABLE' && /refused by the replay test/.test(d.letter.errorMessage));
      return new Set(mine.map((d) => d.letter.eventId)).size === ids.length && mine;
    }, 60_000, 500);
    const positions = ids.map((id) => deadLetters.find((d) => d.letter.eventId === id)!.position);
    const before = await ledgerRows(db, ids);
    // Refused for its values: FAILED, which only a replay decides afresh.
    for (const id of ids) {
      expect(before.get(id)).toMatchObject({ outcome: 'FAILED' });
      expect(before.get(id)!.reason).toMatch(/^UNPROCESSABLE: Postgres refused the request \(SQLSTATE 23514\)/);
    }

    // The fix, for new deliveries: only the original records stay refused.
    await refuse(`NEW.source_partition = ${sent[0]!.partition} AND NEW.source_offset IN (${sent.map((s) => s.offset).join(', ')})`);
    const first = await opsJson<ReplayJson>(['dlq', 'replay', ...positions, '--transactional-id', `ops-replay-test-${coupon}`]);
    expect(first.replayed).toBe(2);
    expect(first.items.map((i) => i.eventId)).toEqual(ids);
    await eventually(async () => [...(await ledgerRows(db, ids)).values()].filter((r) => r.outcome === 'ISSUED').length === ids.length, 60_000, 500);
    const issued = await ledgerRows(db, ids);
    // Decided from the replayed records.
    expect(ids.map((id) => `${issued.get(id)!.source_partition}:${issued.get(id)!.source_offset}`)).toEqual(first.items.map((i) => i.replayedTo));

    // Replayed again: the ledger says ISSUED, and the processor changes nothing.
    const second = await opsJson<ReplayJson>(['dlq', 'replay', ...positions, '--transactional-id', `ops-replay-test-${coupon}`]);
    expect(second.replayed).toBe(2);
    for (const item of second.items) expect(item.ledgerBefore).toMatchObject({ outcome: 'ISSUED' });
    const last = second.items.map((i) => i.replayedTo!.split(':').map(Number));
    await eventually(async () => (await Promise.all(last.map(([p, o]) => processedPast(p!, o!)))).every(Boolean), 60_000, 500);

    expect(await ledgerRows(db, ids)).toEqual(issued);
    const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM user_coupons WHERE coupon_id = $1 ORDER BY user_id', [coupon]);
    expect(rows.map((r) => Number(r.user_id))).toEqual([1, 2]);
    const { rows: quantities } = await db.query<{ issued_quantity: number }>('SELECT issued_quantity FROM coupons WHERE id = $1', [coupon]);
    expect(quantities[0]!.issued_quantity).toBe(2);
    // Committed outputs: the ISSUED record of each event (processors of other groups may repeat it, identical).
    const outputs = await readOutputs(producer.serde, since);
    for (const id of ids) {
      const records = outputs.issued.filter((r) => r.eventId === id);
      expect(records.length).toBeGreaterThanOrEqual(1);
      expect(new Set(records.map((r) => r.userCouponId))).toEqual(new Set([Number(issued.get(id)!.user_coupon_id)]));
      expect(outputs.rejected.filter((r) => r.eventId === id)).toHaveLength(0);
    }
  }, 240_000);
});
