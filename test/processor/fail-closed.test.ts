/**
 * Fail closed: only a record whose own values Postgres refuses ends FAILED in the DLQ. A database
 * that is not ready for the processor (tables missing, a lock held by a stuck session) is waited
 * out — the partition waits, nothing is dead-lettered — and a wait past the bound, failing or
 * stuck in calls that never return, ends the process loudly instead of silently.
 */
import fs from 'node:fs';
import { randomInt, randomUUID } from 'node:crypto';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedOffsets, resetGroupToEnd } from '../../ops/verify/group-offsets.ts';
import { readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { avroSchemaOf } from '../../schemas/contracts.ts';
import { HEADERS } from '../../schemas/headers.ts';
import { frame } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { settledInvariants } from '../support/invariants.ts';
import { allDecided, decidedCount, ledgerRows } from '../support/ledger.ts';
import { sample } from '../support/metrics.ts';
import { refusedOf } from '../support/refused.ts';
import { closeProcessorTestKit, openProcessorTestKit } from '../support/processor-kit.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { signalInstance } from '../../ops/chaos/faults/postgres-freeze.ts';

/** A schema whose search_path hides the application's tables until `provide()` adds views of them. */
async function emptySchema(db: pg.Pool): Promise<{ url: string; provide(): Promise<void>; drop(): Promise<void> }> {
  const name = `fail_closed_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await db.query(`CREATE SCHEMA ${name}`);
  const url = new URL(endpointsFromEnv().databaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    // Plain views are updatable: through them the processor writes the real tables.
    provide: async () => {
      for (const table of ['coupons', 'user_coupons', 'issue_rejections', 'issue_outcomes']) await db.query(`CREATE VIEW ${name}.${table} AS SELECT * FROM public.${table}`);
    },
    drop: async () => void (await db.query(`DROP SCHEMA ${name} CASCADE`)),
  };
}

/**
 * A rule the data breaks: a check constraint on user_coupons only `userId` violates, so deciding
 * that user's request is a data-class error. `allow()` drops it (also when already dropped).
 */
async function refuseUser(db: pg.Pool): Promise<{ userId: number; allow(): Promise<void> }> {
  const userId = 1_000_000_000 + randomInt(1_000_000_000);
  const constraint = `test_refuse_${userId}`;
  await db.query(`ALTER TABLE user_coupons ADD CONSTRAINT ${constraint} CHECK (user_id <> ${userId}) NOT VALID`);
  return { userId, allow: async () => void (await db.query(`ALTER TABLE user_coupons DROP CONSTRAINT IF EXISTS ${constraint}`)) };
}

const kafka = kafkaConnectionFromEnv();

describe('processor failing closed', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  let since: OutputOffsets;

  beforeAll(async () => void ({ db, producer, since } = await openProcessorTestKit()));
  afterAll(() => closeProcessorTestKit({ db, producer }));

  it('waits while its tables are missing (deployed before its migration): nothing dead-lettered, all decided once they exist', async () => {
    const schema = await emptySchema(db);
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'tables-missing', env: { DATABASE_URL: schema.url, PROCESSOR_BATCH_MAX_RECORDS: '100' } })).ready();
    try {
      const coupon = await createCoupon(db, 100);
      const sent = await producer.send(Array.from({ length: 300 }, (_, i) => request(coupon, i + 1)));
      const ids = sent.map((r) => r.eventId);
      await eventually(async () => sample(await processor.metrics(), 'coupon_processor_retries_total') >= 5, 60_000, 200);
      expect(await decidedCount(db, ids)).toBe(0);
      expect(await refusedOf(db, producer.serde, sent, since)).toEqual({ failed: [], deadLettered: [] });

      await schema.provide();
      await eventually(() => allDecided(db, ids), 60_000, 200);
      expect(await refusedOf(db, producer.serde, sent, since)).toEqual({ failed: [], deadLettered: [] });
      const rows = [...(await ledgerRows(db, ids)).values()];
      expect(rows.filter((r) => r.outcome === 'ISSUED')).toHaveLength(100);
      expect(rows.filter((r) => r.outcome === 'REJECTED' && r.reason === 'SOLD_OUT')).toHaveLength(200);
      const results = await settledInvariants(db, producer.serde, [coupon], ids, since);
      expect(results.filter((r) => !r.held)).toEqual([]);
    } finally {
      await processor.stop('SIGTERM');
      await schema.drop();
    }
  });

  it('exits non-zero with the cause after failing longer than the stall timeout', async () => {
    const schema = await emptySchema(db);
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'stalled', env: { DATABASE_URL: schema.url, PROCESSOR_STALL_TIMEOUT_MS: '3000' } })).ready();
    try {
      const coupon = await createCoupon(db, 10);
      const [sent] = await producer.send([request(coupon, 1)]);
      const code = await Promise.race([processor.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000))]);
      expect(code).toBe(1);
      expect(fs.readFileSync(processor.logFile, 'utf8')).toMatch(/no progress for \d+ s at partition \d+ offset \d+; last error: .*does not exist/);
      // The record was not skipped: a healthy processor decides it.
      const healthy = await (await ProcessorProcess.start({ instanceId: 'stalled-successor', env: { PROCESSOR_GROUP_ID: processor.groupId } })).ready();
      try {
        await eventually(() => allDecided(db, [sent!.eventId]), 60_000, 200);
      } finally {
        await healthy.stop('SIGTERM');
      }
    } finally {
      await processor.stop('SIGKILL');
      await schema.drop();
    }
  });

  it('exits non-zero when its units neither commit nor fail for longer than the stall timeout (Postgres frozen: calls that never return)', async () => {
    const processor = await (
      await ProcessorProcess.startAlone({ instanceId: 'stuck', env: { PROCESSOR_STALL_TIMEOUT_MS: '4000', PROCESSOR_UNHEALTHY_AFTER_MS: '1500' } })
    ).ready();
    const coupon = await createCoupon(db, 10);
    const [warm] = await producer.send([request(coupon, 1)]);
    await eventually(() => allDecided(db, [warm!.eventId]), 60_000, 200);
    // Every process of the stack's Postgres stopped: its calls neither fail nor return.
    expect(signalInstance('postgres', 'SIGSTOP')).toBe(true);
    try {
      const [stuck] = await producer.send([request(coupon, 2)]);
      await eventually(async () => (await fetch(`${processor.url}/healthz`)).status === 503, 30_000, 200);
      const code = await Promise.race([processor.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000))]);
      expect(code).toBe(1);
      expect(fs.readFileSync(processor.logFile, 'utf8')).toMatch(/no unit of partitions \d+ committed or failed for \d+ s: a call that never returned/);
      signalInstance('postgres', 'SIGCONT');
      // The request was not skipped: a successor decides it.
      const successor = await (await ProcessorProcess.start({ instanceId: 'stuck-successor', env: { PROCESSOR_GROUP_ID: processor.groupId } })).ready();
      try {
        await eventually(() => allDecided(db, [stuck!.eventId]), 60_000, 200);
      } finally {
        await successor.stop('SIGTERM');
      }
    } finally {
      signalInstance('postgres', 'SIGCONT');
      await processor.stop('SIGKILL');
    }
  });

  it('reports a partition stuck behind a lock as unhealthy and retries, then catches up', async () => {
    const coupon = await createCoupon(db, 50);
    const holder = await db.connect();
    const processor = await (
      await ProcessorProcess.startAlone({ instanceId: 'locked-out', env: { PROCESSOR_PG_LOCK_TIMEOUT_MS: '300', PROCESSOR_UNHEALTHY_AFTER_MS: '1500' } })
    ).ready();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM coupons WHERE id = $1 FOR UPDATE', [coupon]);
      const sent = await producer.send(Array.from({ length: 20 }, (_, i) => request(coupon, i + 1)));
      const ids = sent.map((r) => r.eventId);
      await eventually(async () => (await fetch(`${processor.url}/healthz`)).status === 503, 60_000, 200);
      expect(sample(await processor.metrics(), 'coupon_processor_retries_total')).toBeGreaterThan(0);
      expect(sample(await processor.metrics(), 'coupon_processor_stalled_seconds')).toBeGreaterThan(1);
      await holder.query('COMMIT');
      await eventually(() => allDecided(db, ids), 60_000, 200);
      await eventually(async () => (await fetch(`${processor.url}/healthz`)).ok, 30_000, 200);
      expect(await refusedOf(db, producer.serde, sent, since)).toEqual({ failed: [], deadLettered: [] });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
      await processor.stop('SIGTERM');
    }
  });

  it('waits for a writer schema id the registry does not know yet, and decides its record once the id exists', async () => {
    const registry = producer.serde.registry;
    // A writer schema of the request with one more field (defaulted): readable as a request, and
    // new to the registry, so registering it takes the next global id.
    const writer = (extra: string) => ({ ...avroSchemaOf(TOPICS.requests), fields: [...(avroSchemaOf(TOPICS.requests).fields as object[]), { name: extra, type: 'string', default: '' }] });
    const lateField = `late_${randomInt(1e9)}`;
    const subject = `test-late-schema-${randomUUID()}-value`;
    const probe = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(writer(`probe_${randomInt(1e9)}`)) }, { subject });
    const nextId = probe.id + 1;
    const late = writer(lateField);
    const coupon = await createCoupon(db, 5);
    const r = request(coupon, 1);
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'late-schema', env: { PROCESSOR_UNKNOWN_SCHEMA_GRACE_MS: '120000' } })).ready();
    try {
      const sent = [{ eventId: r.eventId, ...(await producer.sendRaw(String(coupon), frame(nextId, avro.Type.forSchema(late as avro.Schema).toBuffer({ ...r, [lateField]: 'x' })))) }];
      await eventually(async () => sample(await processor.metrics(), 'coupon_processor_retries_total') >= 2, 60_000, 200);
      expect(await refusedOf(db, producer.serde, sent, since)).toEqual({ failed: [], deadLettered: [] });
      const registered = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(late) }, { subject });
      expect(registered.id).toBe(nextId);
      await eventually(() => allDecided(db, [r.eventId]), 60_000, 200);
      expect((await ledgerRows(db, [r.eventId])).get(r.eventId)!.outcome).toBe('ISSUED');
      expect(await refusedOf(db, producer.serde, sent, since)).toEqual({ failed: [], deadLettered: [] });
    } finally {
      await processor.stop('SIGTERM');
    }
  });

  it('isolates the record Postgres refuses in a unit loaded ahead of its decision (a backlog of 300): FAILED for it alone, every other request decided once', async () => {
    const coupon = await createCoupon(db, 300);
    const rule = await refuseUser(db);
    const refusedUser = rule.userId;
    // The backlog is in the topic before the processor starts: it polls it as one unit of 300.
    const groupId = `test-data-error-backlog-${randomUUID().slice(0, 8)}`;
    await resetGroupToEnd(kafka, groupId, TOPICS.requests);
    const sent = await producer.send(Array.from({ length: 300 }, (_, i) => request(coupon, i === 150 ? refusedUser : i + 1)));
    const ids = sent.map((r) => r.eventId);
    const processor = await (await ProcessorProcess.start({ instanceId: 'data-error-backlog', env: { PROCESSOR_GROUP_ID: groupId } })).ready();
    try {
      await eventually(() => allDecided(db, ids), 60_000, 200);
      const rows = await ledgerRows(db, ids);
      expect(rows.get(ids[150]!)).toMatchObject({ outcome: 'FAILED' });
      expect(rows.get(ids[150]!)!.reason).toMatch(/^UNPROCESSABLE: .*SQLSTATE 23514/);
      expect(ids.filter((id) => rows.get(id)!.outcome === 'ISSUED')).toHaveLength(299);
      // Its dead letter is committed with the unit's Kafka transaction, a moment after the ledger.
      const refused = await eventually(async () => {
        const r = await refusedOf(db, producer.serde, sent, since);
        return r.deadLettered.length > 0 && r;
      }, 30_000, 200);
      expect(refused).toEqual({ failed: [ids[150]], deadLettered: [ids[150]] });
      // A transaction of more than 250 records: the coupon's requests share one partition, so one unit.
      const metrics = await processor.metrics();
      const transactions = sample(metrics, 'coupon_processor_batch_size_records_count');
      expect(transactions - sample(metrics, 'coupon_processor_batch_size_records_bucket', 'le="250"')).toBeGreaterThanOrEqual(1);
    } finally {
      await rule.allow();
      await processor.stop('SIGTERM');
    }
  });

  it('dead-letters only the record Postgres refuses for its values, with a FAILED outcome; a replay once the cause is fixed decides it exactly once', async () => {
    const coupon = await createCoupon(db, 10);
    const rule = await refuseUser(db);
    const refusedUser = rule.userId;
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'data-error', env: { PROCESSOR_BATCH_MAX_RECORDS: '50' } })).ready();
    try {
      const requests = [request(coupon, 1), request(coupon, refusedUser), request(coupon, 2)];
      const sent = await producer.send(requests);
      const ids = sent.map((r) => r.eventId);
      await eventually(() => allDecided(db, ids), 60_000, 200);
      const rows = await ledgerRows(db, ids);
      expect(rows.get(ids[0]!)!.outcome).toBe('ISSUED');
      expect(rows.get(ids[2]!)!.outcome).toBe('ISSUED');
      expect(rows.get(ids[1]!)).toMatchObject({ outcome: 'FAILED' });
      expect(rows.get(ids[1]!)!.reason).toMatch(/^UNPROCESSABLE: .*SQLSTATE 23514/);
      const before = await eventually(async () => {
        const outputs = await readOutputs(producer.serde, since);
        return outputs.deadLetters.some((d) => d.eventId === ids[1]) && outputs;
      }, 30_000);
      expect(before.deadLetters.find((d) => d.eventId === ids[1])).toMatchObject({ errorType: 'UNPROCESSABLE', sourceOffset: sent[1]!.offset });

      await rule.allow();
      const original = producer.serde.encode(TOPICS.requests, requests[1]!);
      for (const dlqOffset of [0, 1]) {
        const at = await producer.sendRaw(String(coupon), original, { [HEADERS.replayedFrom]: `0:${dlqOffset}` });
        // Consumed and committed: the group's position is past the replayed record.
        await eventually(async () => ((await committedOffsets(kafka, processor.groupId, TOPICS.requests)).get(at.partition) ?? -1) > at.offset, 60_000, 200);
      }
      expect((await ledgerRows(db, [ids[1]!])).get(ids[1]!)!.outcome).toBe('ISSUED');
      const { rows: held } = await db.query('SELECT count(*)::int AS n FROM user_coupons WHERE coupon_id = $1 AND user_id = $2', [coupon, refusedUser]);
      expect(held[0].n).toBe(1);
      const outputs = await readOutputs(producer.serde, since);
      expect(outputs.issued.filter((r) => r.eventId === ids[1])).toHaveLength(1);
    } finally {
      await rule.allow();
      await processor.stop('SIGTERM');
    }
  });
});
