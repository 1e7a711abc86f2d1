import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import avro from 'avsc';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { readCommitted } from '../../ops/verify/read-committed.ts';
import { frame } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { CouponIssueDeadLetter } from '../../schemas/contracts.ts';
import { eventually } from '../support/eventually.ts';
import { allDecided, ledgerRows } from '../support/ledger.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';

describe('poison records', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let processor: ProcessorProcess;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
    processor = await (await ProcessorProcess.start({ instanceId: 'poison', env: { PROCESSOR_UNKNOWN_SCHEMA_GRACE_MS: '2000' } })).ready();
  });

  afterAll(async () => {
    expect(await processor.stop('SIGTERM')).toBe(0);
    await producer.disconnect();
    await db.end();
  });

  it('go to the DLQ with their cause and bytes while the partition keeps flowing', async () => {
    const coupon = await createCoupon(db, 10);
    const key = String(coupon);
    const serde = producer.serde;
    const requestId = await serde.register(TOPICS.requests);
    const issuedId = await serde.register(TOPICS.issued);
    // A writer schema with the request's name but without userId: it cannot be read as a request.
    const missingFieldsSchema: avro.Schema = {
      type: 'record',
      name: 'CouponIssueRequested',
      namespace: 'coupon.issuance',
      fields: [
        { name: 'eventId', type: 'string' },
        { name: 'couponId', type: 'long' },
        { name: 'requestedAt', type: 'long' },
      ],
    };
    const { id: missingFieldsId } = await serde.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(missingFieldsSchema) },
      { subject: `test-missing-fields-${coupon}-value` },
    );
    const missingFields = avro.Type.forSchema(missingFieldsSchema);
    const valid = request(coupon, 1);
    const invalidUser = request(coupon, -5);
    const poison: Array<{ value: Buffer | null; errorType: string }> = [
      { value: Buffer.from('not avro at all'), errorType: 'WRONG_MAGIC_BYTE' },
      { value: Buffer.from([1, 0, 0, 0, requestId, 2, 4]), errorType: 'WRONG_MAGIC_BYTE' },
      { value: frame(2_000_000_000, serde.typeOf(TOPICS.requests).toBuffer(valid)), errorType: 'UNKNOWN_SCHEMA_ID' },
      {
        value: serde.encode(TOPICS.issued, { eventId: valid.eventId, couponId: coupon, userId: 1, userCouponId: 1, requestedAt: 1, issuedAt: 2 }),
        errorType: 'UNEXPECTED_SCHEMA',
      },
      { value: frame(missingFieldsId, missingFields.toBuffer({ eventId: valid.eventId, couponId: coupon, requestedAt: Date.now() })), errorType: 'UNEXPECTED_SCHEMA' },
      { value: frame(requestId, Buffer.from([0x02, 0xff])), errorType: 'MALFORMED_BODY' },
      { value: null, errorType: 'MISSING_VALUE' },
    ];
    expect(issuedId).not.toBe(requestId);

    const landed = [];
    for (const p of poison) landed.push({ ...p, ...(await producer.sendRaw(key, p.value, { origin: 'poison-test' })) });
    const [after] = await producer.send([valid]);
    const [failed] = await producer.send([invalidUser]);

    // The valid request behind the poison is decided, and the invalid one has its FAILED outcome.
    await eventually(() => allDecided(db, [after!.eventId, failed!.eventId]), 60_000);
    const ledger = await ledgerRows(db, [after!.eventId, failed!.eventId]);
    expect(ledger.get(after!.eventId)!.outcome).toBe('ISSUED');
    expect(ledger.get(failed!.eventId)).toMatchObject({ outcome: 'FAILED' });
    expect(ledger.get(failed!.eventId)!.reason).toMatch(/^INVALID_FIELD: userId -5/);

    const deadLetters = await eventually(async () => {
      const records = await readCommitted(TOPICS.dlq, (r) => r.key?.toString() === key);
      const decoded = await Promise.all(records.map((r) => serde.decode(TOPICS.dlq, r.value)));
      return decoded.length === poison.length + 1 && decoded;
    }, 30_000);
    const byOffset = new Map<number, CouponIssueDeadLetter>(deadLetters.map((d) => [d.sourceOffset, d]));
    for (const p of landed) {
      const d = byOffset.get(p.offset)!;
      expect(d, `dead letter for offset ${p.offset}`).toBeDefined();
      expect(d.errorType).toBe(p.errorType);
      expect(d.errorMessage.length).toBeGreaterThan(0);
      expect(d.sourceTopic).toBe(TOPICS.requests);
      expect(d.sourcePartition).toBe(p.partition);
      expect(d.key?.toString()).toBe(key);
      expect(d.value === null ? null : Buffer.from(d.value)).toEqual(p.value);
      expect(d.headers).toEqual([{ key: 'origin', value: Buffer.from('poison-test') }]);
      expect(d.attempts).toBe(1);
      expect(d.eventId).toBeNull();
    }
    const failedLetter = byOffset.get(failed!.offset)!;
    expect(failedLetter).toMatchObject({ eventId: failed!.eventId, errorType: 'INVALID_FIELD' });

    const metrics = await processor.metrics();
    expect(metrics).toMatch(/coupon_processor_records_total\{outcome="dead_letter"\} \d+/);
  });
});
