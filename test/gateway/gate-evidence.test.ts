/**
 * The gate reconciler's evidence against the real stack: its reads run in the background and
 * outlive the request path's query timeout. With that timeout, a rebuild after Redis lost its data
 * on a database with large coupons failed on the same read every pass and never finished. Here a
 * pool whose queries time out after 1 ms still reads a coupon's 20,000 decided requests.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherEvidence, gatherUnitEvidence } from '../../gateway/reconcile/evidence.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { resetGroupToEnd } from '../../ops/verify/group-offsets.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { createCoupon, pool } from '../support/requests.ts';

const DECIDED = 20_000;
const kafka = kafkaConnectionFromEnv();
const groupId = `gate-evidence-test-${randomUUID()}`;
let db: pg.Pool;
let impatient: pg.Pool;
let couponId: number;

beforeAll(async () => {
  db = pool();
  impatient = new pg.Pool({ connectionString: endpointsFromEnv().databaseUrl, max: 2, query_timeout: 1 });
  await resetGroupToEnd(kafka, groupId, TOPICS.requests);
  // A coupon whose window closed two days ago: no live gate, no reconciler of another test touches it.
  couponId = await createCoupon(db, 1, { startsAt: new Date(Date.now() - 3 * 86_400_000), endsAt: new Date(Date.now() - 2 * 86_400_000) });
  await db.query(
    `INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at)
     SELECT gen_random_uuid(), $1, g, 'REJECTED', 'COUPON_NOT_ACTIVE', 0, g, now() FROM generate_series(1, $2::integer) g`,
    [couponId, DECIDED],
  );
});

afterAll(async () => {
  await impatient?.end();
  await db?.end();
});

describe('gate evidence', () => {
  it('reads a large coupon\'s ledger through a pool whose own query timeout is far shorter', async () => {
    const sources = { db: impatient, kafka, serde: new Serde(registryConnectionFromEnv()), groupId };
    const evidence = await gatherEvidence(sources, [couponId]);
    expect(evidence.decided.get(couponId)).toHaveLength(DECIDED);
    const units = await gatherUnitEvidence(sources, [couponId], []);
    expect(units.issued.get(couponId)).toBe(0);
  });
});
