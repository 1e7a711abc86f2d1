import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { OutputOffsets } from '../../ops/verify/outputs.ts';
import { eventually } from '../support/eventually.ts';
import { settledInvariants } from '../support/invariants.ts';
import { decidedCount } from '../support/ledger.ts';
import { closeProcessorTestKit, openProcessorTestKit } from '../support/processor-kit.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, request, RequestProducer, type ProducedRequest } from '../support/requests.ts';

describe('processor under kill -9', () => {
  let db: pg.Pool;
  let producer: RequestProducer;
  /** Output topics are read from here on: earlier runs' records are not this file's business. */
  let since: OutputOffsets;

  beforeAll(async () => void ({ db, producer, since } = await openProcessorTestKit()));
  afterAll(() => closeProcessorTestKit({ db, producer }));

  it('keeps I1-I4 exactly through 10 kill -9 at random moments of a 20,000-request run', async () => {
    const COUPONS = 10;
    const PER_COUPON = 2000;
    const coupons = await Promise.all(Array.from({ length: COUPONS }, () => createCoupon(db, 1000)));
    // 1,800 distinct users per coupon, 200 of them asking twice: issued, sold out and duplicates all occur.
    const requests = coupons.flatMap((c) => Array.from({ length: PER_COUPON }, (_, i) => request(c, (i % 1800) + 1)));
    const sending: Promise<ProducedRequest[]> = producer.send(requests);
    const ids = requests.map((r) => r.eventId);
    const env = { PROCESSOR_BATCH_MAX_RECORDS: '500' };

    const kills: number[] = [];
    for (let k = 0; k < 10; k++) {
      const processor = await ProcessorProcess.start({ instanceId: 'crash', env });
      const before = await decidedCount(db, ids);
      // A random point of progress after this start, then kill -9 mid-flight.
      const target = Math.min(ids.length - 1, before + 200 + Math.floor(Math.random() * 1500));
      await eventually(async () => {
        if (processor.child.exitCode !== null) throw new Error(`processor exited early (${processor.logFile})`);
        return (await decidedCount(db, ids)) >= target;
      }, 90_000, 20);
      expect(await processor.stop('SIGKILL')).toBeNull();
      kills.push(await decidedCount(db, ids));
    }
    expect(kills).toHaveLength(10);

    const sent = await sending;
    const last = await (await ProcessorProcess.start({ instanceId: 'crash', env })).ready();
    // Every record committed, not just decided: a killed instance's last batch may be decided in
    // Postgres with its Kafka transaction aborted; the last instance must emit it.
    const results = await settledInvariants(db, producer.serde, coupons, ids, since, 120_000);
    expect(await last.stop('SIGTERM')).toBe(0);

    // Nothing doubled in Postgres: one ledger row per event, one user coupon per issued event.
    const rows = await db.query<{ outcomes: string; issued: string; held: string }>(
      `SELECT (SELECT count(*) FROM issue_outcomes WHERE coupon_id = ANY($1)) AS outcomes,
              (SELECT count(*) FROM issue_outcomes WHERE coupon_id = ANY($1) AND outcome = 'ISSUED') AS issued,
              (SELECT count(*) FROM user_coupons WHERE coupon_id = ANY($1)) AS held`,
      [coupons],
    );
    expect(Number(rows.rows[0]!.outcomes)).toBe(sent.length);
    expect(Number(rows.rows[0]!.issued)).toBe(COUPONS * 1000);
    expect(Number(rows.rows[0]!.held)).toBe(COUPONS * 1000);

    // Nothing lost or doubled on the committed output topics.
    expect(results.filter((r) => !r.held)).toEqual([]);
  });
});
