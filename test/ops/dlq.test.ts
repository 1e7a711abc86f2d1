import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CouponIssueDeadLetter, DeadLetterHeader } from '../../schemas/contracts.ts';
import { frame } from '../../schemas/serde.ts';
import { HEADERS } from '../../schemas/headers.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { readCommittedSince, topicEnds } from '../../ops/verify/read-committed.ts';
import { opsJson, runOps } from '../support/ops-cli.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';

interface ListedLetter {
  position: string;
  cause: string;
  eventId: string | null;
  couponId: number | null;
  source: { topic: string; partition: number; offset: number };
  value: { hex: string } | null;
  original: { kind: string; request?: { userId: number }; schemaName?: string; value?: Record<string, unknown> };
  headers: Array<{ key: string; value: { text: string | null } | null }>;
  permanent: boolean;
}
interface Listed {
  matching: number;
  deadLetters: ListedLetter[];
}
interface ReplayJson {
  dryRun: boolean;
  replayed: number;
  refused: number;
  items: Array<{ position: string; cause: string; refused: string | null; replayedTo: string | null; ledgerBefore: { outcome: string } | null }>;
}

/**
 * The dead letters here are written by the test itself, as the processor writes them: what the CLI
 * shows must not wait on a processor group that other tests share (and may hold up with faults).
 */
describe('coupon-ops dlq', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let dlqWriter: KafkaJS.Producer;
  let coupon: number;
  /** The coupon's partition of the requests topic, where the gateway's partitioner puts its records. */
  let couponPartition: number;
  /** The dead letters of this file's coupon by cause, as dlq list shows them. */
  let letters: Map<string, ListedLetter>;
  const invalid = { userId: -5 };
  const poisonBytes = Buffer.from('not avro at all');
  let written = 0;

  async function deadLetter(value: Buffer | null, errorType: string, errorMessage: string, eventId: string | null, headers: DeadLetterHeader[] = []): Promise<void> {
    const letter: CouponIssueDeadLetter = {
      eventId,
      sourceTopic: TOPICS.requests,
      sourcePartition: couponPartition,
      sourceOffset: 1_000_000 + written++,
      key: Buffer.from(String(coupon)),
      value,
      headers,
      errorType,
      errorMessage,
      attempts: 1,
      failedAt: Date.now(),
    };
    await dlqWriter.send({ topic: TOPICS.dlq, messages: [{ key: recordKey(coupon), value: producer.serde.encode(TOPICS.dlq, letter) }] });
  }

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    dlqWriter = kafkaJsClient(kafkaConnectionFromEnv()).producer({ kafkaJS: { idempotent: true } });
    await dlqWriter.connect();

    coupon = await createCoupon(db, 10);
    const serde = producer.serde;
    await Promise.all([serde.register(TOPICS.requests), serde.register(TOPICS.issued), serde.register(TOPICS.dlq)]);
    // A valid request shows where the coupon's records go (a processor decides it; nothing here depends on that).
    couponPartition = (await producer.send([request(coupon, 99)]))[0]!.partition;
    const field = request(coupon, invalid.userId);
    await deadLetter(poisonBytes, 'WRONG_MAGIC_BYTE', 'magic byte is 110, expected 0', null, [{ key: 'origin', value: Buffer.from('ops-test') }]);
    await deadLetter(null, 'MISSING_VALUE', 'record has no value', null);
    await deadLetter(
      serde.encode(TOPICS.issued, { eventId: request(coupon, 1).eventId, couponId: coupon, userId: 1, userCouponId: 1, requestedAt: 1, issuedAt: 2 }),
      'UNEXPECTED_SCHEMA',
      'schema id is coupon.issuance.CouponIssued, expected coupon.issuance.CouponIssueRequested',
      null,
    );
    await deadLetter(frame(2_000_000_000, serde.typeOf(TOPICS.requests).toBuffer(request(coupon, 2))), 'UNKNOWN_SCHEMA_ID', 'schema id 2000000000 is not in the registry', null);
    await deadLetter(serde.encode(TOPICS.requests, field), 'INVALID_FIELD', 'userId -5 is not a positive integer', field.eventId);

    const listed = await opsJson<Listed>(['dlq', 'list', '--coupon', String(coupon)]);
    letters = new Map(listed.deadLetters.map((d) => [d.cause, d]));
  });

  afterAll(async () => {
    await dlqWriter.disconnect();
    await producer.disconnect();
    await db.end();
  });

  it('lists dead letters with cause, coupon, user and source, filtered by coupon, cause and time', async () => {
    expect([...letters.keys()].sort()).toEqual(['INVALID_FIELD', 'MISSING_VALUE', 'UNEXPECTED_SCHEMA', 'UNKNOWN_SCHEMA_ID', 'WRONG_MAGIC_BYTE']);
    expect(letters.get('INVALID_FIELD')).toMatchObject({ couponId: coupon, original: { kind: 'request', request: { userId: invalid.userId } }, permanent: false });
    expect(letters.get('WRONG_MAGIC_BYTE')).toMatchObject({ couponId: coupon, value: { hex: poisonBytes.toString('hex') }, permanent: true });
    for (const d of letters.values()) expect(d.source.topic).toBe(TOPICS.requests);

    const byCause = await opsJson<Listed>(['dlq', 'list', '--coupon', String(coupon), '--cause', 'wrong_magic_byte']);
    expect(byCause.deadLetters.map((d) => d.position)).toEqual([letters.get('WRONG_MAGIC_BYTE')!.position]);
    expect((await opsJson<Listed>(['dlq', 'list', '--coupon', String(coupon), '--since', '1h'])).matching).toBe(letters.size);
    expect((await opsJson<Listed>(['dlq', 'list', '--coupon', String(coupon), '--since', new Date(Date.now() + 60_000).toISOString()])).matching).toBe(0);

    const human = await runOps(['dlq', 'list', '--coupon', String(coupon)]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^POSITION\s+FAILED AT\s+CAUSE\s+COUPON\s+USER\s+EVENT ID\s+SOURCE\s+MESSAGE/);
    for (const d of letters.values()) expect(human.stdout).toContain(`${d.position} `);
    expect(human.stdout).toMatch(/\n5 dead letters$/m);
  });

  it('shows one dead letter: decoded where possible, hex otherwise, with its headers', async () => {
    const magic = await runOps(['dlq', 'show', letters.get('WRONG_MAGIC_BYTE')!.position]);
    expect(magic.code).toBe(0);
    expect(magic.stdout).toMatch(/cause:\s+WRONG_MAGIC_BYTE/);
    expect(magic.stdout).toMatch(new RegExp(`original key: +"${coupon}"`));
    expect(magic.stdout).toMatch(/original value: 15 bytes, undecodable/);
    expect(magic.stdout).toContain('00000000  6e 6f 74 20 61 76 72 6f 20 61 74 20 61 6c 6c     not avro at all');
    expect(magic.stdout).toMatch(/headers:\n {2}origin: "ops-test"/);
    expect(magic.stdout).toMatch(/replayable:\s+no: WRONG_MAGIC_BYTE is permanent/);

    const field = await runOps(['dlq', 'show', letters.get('INVALID_FIELD')!.position]);
    expect(field.stdout).toMatch(/original value: CouponIssueRequested \(schema id \d+\)\n {2}eventId: +[0-9a-f-]{36}\n {2}couponId: +\d+\n {2}userId: +-5/);
    expect(field.stdout).toMatch(/replayable:\s+yes/);

    const other = await opsJson<ListedLetter>(['dlq', 'show', letters.get('UNEXPECTED_SCHEMA')!.position]);
    expect(other.original).toMatchObject({ kind: 'avro', schemaName: 'coupon.issuance.CouponIssued', value: { couponId: coupon, userCouponId: 1 } });

    const missing = await runOps(['dlq', 'show', '0:999999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no committed dead letter at 0:999999999/);
    expect((await runOps(['dlq', 'show', 'nope'])).code).toBe(2);
  });

  it('refuses permanent causes unless forced, and a dry run produces nothing', async () => {
    const before = await topicEnds(TOPICS.requests);
    const positions = [...letters.values()].map((d) => d.position);
    const dry = await opsJson<ReplayJson>(['dlq', 'replay', ...positions, '--dry-run']);
    expect(dry).toMatchObject({ dryRun: true, replayed: 0, refused: 3 });
    const verdicts = Object.fromEntries(dry.items.map((i) => [i.cause, i.refused === null ? 'replay' : 'refused']));
    expect(verdicts).toEqual({ INVALID_FIELD: 'replay', UNKNOWN_SCHEMA_ID: 'replay', MISSING_VALUE: 'refused', WRONG_MAGIC_BYTE: 'refused', UNEXPECTED_SCHEMA: 'refused' });

    const refused = await opsJson<ReplayJson>(['dlq', 'replay', letters.get('WRONG_MAGIC_BYTE')!.position]);
    expect(refused).toMatchObject({ replayed: 0, refused: 1 });
    const humanDry = await runOps(['dlq', 'replay', ...positions, '--dry-run']);
    expect(humanDry.stdout).toMatch(/dry run: 2 would be replayed, 3 refused; nothing was produced$/m);
    const key = String(coupon);
    expect(await readCommittedSince(TOPICS.requests, before, (r) => r.key?.toString() === key)).toEqual([]);

    // Forced, the poison goes back to its coupon's partition with its headers and its origin recorded.
    const poison = letters.get('WRONG_MAGIC_BYTE')!;
    const forced = await opsJson<ReplayJson>(['dlq', 'replay', poison.position, '--force', '--transactional-id', `ops-dlq-test-${coupon}`]);
    expect(forced).toMatchObject({ replayed: 1, refused: 0 });
    const [replayedRecord] = await readCommittedSince(TOPICS.requests, before, (r) => r.key?.toString() === key);
    expect(replayedRecord!.partition).toBe(couponPartition);
    expect(replayedRecord!.value).toEqual(poisonBytes);
    const headers = Object.fromEntries(replayedRecord!.headers.flatMap((h) => Object.entries(h)).map(([k, v]) => [k, v.toString()]));
    expect(headers).toEqual({ origin: 'ops-test', [HEADERS.replayedFrom]: poison.position });
  });

  it('exits 2 for a bad selection', async () => {
    const bad = await runOps(['dlq', 'replay', '0:5-3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad selection "0:5-3"/);
  });

  it('exits 1 and replays nothing when a named dead letter does not exist', async () => {
    const run = await runOps(['dlq', 'replay', letters.get('INVALID_FIELD')!.position, '0:999999999']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no committed dead letter at 0:999999999 .*; nothing replayed/);
  });
});
