import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { OutputOffsets } from '../../ops/verify/outputs.ts';
import { eventually } from '../support/eventually.ts';
import { settledInvariants } from '../support/invariants.ts';
import { allDecided, decidedCount } from '../support/ledger.ts';
import { closeProcessorTestKit, openProcessorTestKit } from '../support/processor-kit.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, request, RequestProducer } from '../support/requests.ts';

/** Requests spread over many coupons, so every partition (and so every group member) gets work. */
async function workload(db: pg.Pool, coupons: number, perCoupon: number, quantity: number) {
  const ids = await Promise.all(Array.from({ length: coupons }, () => createCoupon(db, quantity)));
  const requests = ids.flatMap((c) => Array.from({ length: perCoupon }, (_, i) => request(c, i + 1)));
  return { coupons: ids, requests, eventIds: requests.map((r) => r.eventId) };
}

describe('processors sharing the group', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  /** Output topics are read from here on: earlier runs' records are not this file's business. */
  let since: OutputOffsets;
  const env = { PROCESSOR_BATCH_MAX_RECORDS: '200' };

  beforeAll(async () => void ({ db, producer, since } = await openProcessorTestKit()));
  afterAll(() => closeProcessorTestKit({ db, producer }));

  it.each([
    ['SIGTERM', 0],
    ['SIGKILL', null],
  ] as const)('stay exactly-once when one of two instances is stopped mid-run with %s', async (signal, exitCode) => {
    const a = await ProcessorProcess.start({ instanceId: `group-${signal}-a`, env });
    const b = await ProcessorProcess.start({ instanceId: `group-${signal}-b`, env });
    await Promise.all([a.ready(), b.ready()]);
    const w = await workload(db, 12, 1000, 400);
    const sending = producer.send(w.requests);
    await eventually(async () => (await decidedCount(db, w.eventIds)) >= 2000, 60_000, 20);
    expect(await b.stop(signal)).toBe(exitCode);
    await sending;
    // The survivor takes the stopped member's partitions over (after its session times out) and
    // emits what the stopped one decided but did not commit. A member killed mid-transaction leaves
    // it open until it times out: read_committed readers see the survivor's records only then.
    const results = await settledInvariants(db, producer.serde, w.coupons, w.eventIds, since, 180_000);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(results.filter((r) => !r.held)).toEqual([]);
  });

  it('a zombie (an instance whose identity a newer incarnation took over) exits; the newer one decides everything', async () => {
    const older = await (await ProcessorProcess.start({ instanceId: 'zombie', env })).ready();
    const first = await workload(db, 6, 100, 50);
    await producer.send(first.requests);
    await eventually(() => allDecided(db, first.eventIds), 60_000, 100);

    // The same instance id again (a restart while the old process still lives): the newer member
    // takes the static group identity and the transactional.id over; the older one is fenced out
    // of the group and exits non-zero instead of fighting for them.
    const newer = await (await ProcessorProcess.start({ instanceId: 'zombie', env })).ready();
    const second = await workload(db, 12, 100, 50);
    await producer.send(second.requests);
    // Bounded, so a zombie that lives on fails here, not as the whole test's time limit.
    await eventually(() => older.child.exitCode !== null, 60_000);
    expect(await older.exited).toBe(1);
    expect(fs.readFileSync(older.logFile, 'utf8')).toMatch(/fenced|FENCED_INSTANCE_ID|another live instance/);
    // The two fenced each other's transactions until the older one exited: requests decided in
    // Postgres whose records were then aborted must be emitted by the newer one, not just decided.
    const all = [...first.eventIds, ...second.eventIds];
    const results = await settledInvariants(db, producer.serde, [...first.coupons, ...second.coupons], all, since, 120_000);
    expect(await newer.stop('SIGTERM')).toBe(0);
    expect(results.filter((r) => !r.held)).toEqual([]);
  }, 240_000);
});
