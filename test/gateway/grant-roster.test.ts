/**
 * The roster against the real Postgres (each test in a scratch schema with every migration
 * applied): with no foreign key per row (migration 005), GrantStore.addUsers itself keeps a roster
 * row from outliving its grant — it refuses a grant that does not exist and holds the grant row
 * against a delete running at the same time; GrantStore.settle counts the results of the roster's
 * users, from the grant's event-id range or (older grants) by joining the ledger.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { grantEventIds } from '../../gateway/grant/grant-id.ts';
import { GrantNotFoundError, GrantStore, type RosterEntry } from '../../gateway/grant/grant-store.ts';
import { migrate } from '../../ops/db/migrate.ts';
import { scratchSchemas, withClient } from '../foundation/pg-scratch.ts';
import { eventually } from '../support/eventually.ts';

const scratch = scratchSchemas();
const pools: pg.Pool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await scratch.cleanup();
});

/** A migrated scratch schema with one coupon, and a store on it. */
async function storeWithCoupon(): Promise<{ url: string; store: GrantStore; couponId: number }> {
  const schema = await scratch.create();
  await migrate(schema.url);
  const couponId = await withClient(schema.url, async (c) =>
    Number((await c.query<{ id: string }>("INSERT INTO coupons (name, total_quantity) VALUES ('roster test', 10) RETURNING id")).rows[0]!.id),
  );
  const pool = new pg.Pool({ connectionString: schema.url, application_name: 'grant-roster-test' });
  pools.push(pool);
  return { url: schema.url, store: new GrantStore(pool), couponId };
}

const entries = (...users: number[]): RosterEntry[] => users.map((userId, i) => ({ userId, eventId: randomUUID(), line: i + 2, refused: null }));
const rosterOf = (url: string) => withClient(url, async (c) => (await c.query('SELECT grant_id, user_id FROM coupon_grant_users ORDER BY user_id')).rows);

describe('GrantStore.addUsers', () => {
  it('lists the users of an existing grant and refuses a grant that does not exist, writing nothing for it', async () => {
    const { url, store, couponId } = await storeWithCoupon();
    await store.start('g1', couponId);
    await store.addUsers('g1', entries(7, 8));
    await expect(store.addUsers('missing', entries(9))).rejects.toBeInstanceOf(GrantNotFoundError);
    expect(await rosterOf(url)).toEqual([
      { grant_id: 'g1', user_id: '7' },
      { grant_id: 'g1', user_id: '8' },
    ]);
  });

  it("keeps a listed user's first line and replaces its refusal by a later verdict, in a batch that meets listed users", async () => {
    const { url, store, couponId } = await storeWithCoupon();
    await store.start('g3', couponId);
    const at = (userId: number, line: number, refused: string | null): RosterEntry => ({ userId, eventId: randomUUID(), line, refused });
    await store.addUsers('g3', [at(7, 2, null), at(8, 3, 'SOLD_OUT'), at(9, 4, 'SOLD_OUT')]);
    // A later batch (or run): 7 repeated further down, 8 produced now, 9 refused again for another reason, 10 new.
    await store.addUsers('g3', [at(7, 20, 'ALREADY_REQUESTED'), at(8, 21, null), at(9, 22, 'COUPON_NOT_ACTIVE'), at(10, 23, null)]);
    const rows = await withClient(url, async (c) => (await c.query('SELECT user_id, line, refused FROM coupon_grant_users ORDER BY user_id')).rows);
    expect(rows).toEqual([
      { user_id: '7', line: '2', refused: null },
      { user_id: '8', line: '3', refused: null },
      { user_id: '9', line: '4', refused: 'COUPON_NOT_ACTIVE' },
      { user_id: '10', line: '23', refused: null },
    ]);
  });

  it('waits for a delete of its grant in flight and then refuses it: no roster row outlives its grant', async () => {
    const { url, store, couponId } = await storeWithCoupon();
    await store.start('g2', couponId);
    await withClient(url, async (deleter) => {
      await deleter.query('BEGIN');
      await deleter.query("DELETE FROM coupon_grants WHERE id = 'g2'");
      const adding = store.addUsers('g2', entries(7)).then(
        () => undefined,
        (err: unknown) => err,
      );
      // The insert is blocked on the grant row the delete holds.
      await eventually(async () => {
        const { rows } = await deleter.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'grant-roster-test' AND wait_event_type = 'Lock'");
        return rows.length > 0;
      });
      await deleter.query('COMMIT');
      expect(await adding).toBeInstanceOf(GrantNotFoundError);
    });
    expect(await rosterOf(url)).toEqual([]);
  });
});

describe('GrantStore.start', () => {
  it('derives a new grant\'s event ids by grant-user, and keeps an older grant\'s name-sha1 ids on every run', async () => {
    const { url, store, couponId } = await storeWithCoupon();
    expect(await store.start('new-grant', couponId)).toEqual({ created: true, eventIds: 'grant-user' });
    expect(await store.start('new-grant', couponId)).toEqual({ created: false, eventIds: 'grant-user' });
    // What migration 006 made of a grant that existed before it.
    await withClient(url, (c) => c.query("INSERT INTO coupon_grants (id, coupon_id, event_ids) VALUES ('older-grant', $1, 'name-sha1')", [couponId]));
    expect(await store.start('older-grant', couponId)).toEqual({ created: false, eventIds: 'name-sha1' });
  });
});

describe('GrantStore.settle', () => {
  /** The ledger rows of decided requests, as the processor's merge writes them. */
  async function decide(url: string, couponId: number, decided: Array<{ userId: number; eventId: string; outcome: 'ISSUED' | 'REJECTED' | 'FAILED'; reason?: string }>): Promise<void> {
    await withClient(url, async (c) => {
      for (const [i, d] of decided.entries()) {
        if (d.outcome === 'ISSUED') {
          await c.query('INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at, source_partition, source_offset) VALUES ($1, $2, $3, now(), now(), 0, $4)', [couponId, d.userId, d.eventId, i]);
        } else {
          await c.query('INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at) VALUES ($1, $2, $3, $4, $5, 0, $6, now())', [d.eventId, couponId, d.userId, d.outcome, d.reason ?? 'UNPROCESSABLE', i]);
        }
      }
    });
  }

  for (const scheme of ['grant-user', 'name-sha1'] as const) {
    it(`counts each listed user once, by its outcome, else its refusal, else pending, and no other grant's outcomes (${scheme})`, async () => {
      const { url, store, couponId } = await storeWithCoupon();
      const grantId = `settle-${scheme}`;
      if (scheme === 'grant-user') await store.start(grantId, couponId);
      else await withClient(url, (c) => c.query("INSERT INTO coupon_grants (id, coupon_id, event_ids) VALUES ($1, $2, 'name-sha1')", [grantId, couponId]));
      const eventId = grantEventIds(couponId, grantId, scheme);
      const listed = (userId: number, refused: string | null = null): RosterEntry => ({ userId, eventId: eventId(userId), line: userId, refused });
      // Users 1-3 decided; 4 refused at the gate; 5 refused by an earlier run, then produced and decided; 6 and 7 pending.
      await store.addUsers(grantId, [listed(1), listed(2), listed(3), listed(4, 'SOLD_OUT'), listed(5, 'ALREADY_REQUESTED'), listed(6), listed(7)]);
      // A later run's batch meets listed users — 2 repeated further down the file, 5 produced this time (its refusal replaced) —
      // beside a new one (9, pending): neither 2 nor 5 is counted twice.
      await store.addUsers(grantId, [{ ...listed(2), line: 30 }, { ...listed(5), line: 31 }, listed(9)]);
      await store.start('other-grant', couponId);
      await decide(url, couponId, [
        { userId: 1, eventId: eventId(1), outcome: 'ISSUED' },
        { userId: 2, eventId: eventId(2), outcome: 'REJECTED', reason: 'ALREADY_ISSUED' },
        { userId: 3, eventId: eventId(3), outcome: 'FAILED' },
        { userId: 5, eventId: eventId(5), outcome: 'ISSUED' },
        // Requests of another grant and of the flash sale, some of the same users.
        { userId: 6, eventId: grantEventIds(couponId, 'other-grant', 'grant-user')(6), outcome: 'ISSUED' },
        { userId: 8, eventId: randomUUID(), outcome: 'REJECTED', reason: 'SOLD_OUT' },
      ]);
      await store.recordProgress(grantId, 30, 0, true);

      const running = await store.settle(grantId);
      expect(running.status).toBe('RUNNING');
      expect(running.counts).toEqual({ users: 8, issued: 2, rejected: { ALREADY_ISSUED: 1 }, failed: 1, refused: { SOLD_OUT: 1 }, pending: 3 });

      await decide(url, couponId, [
        { userId: 6, eventId: eventId(6), outcome: 'REJECTED', reason: 'ALREADY_ISSUED' },
        { userId: 7, eventId: eventId(7), outcome: 'ISSUED' },
        { userId: 9, eventId: eventId(9), outcome: 'ISSUED' },
      ]);
      const done = await store.settle(grantId);
      expect(done.status).toBe('DONE');
      expect(done.counts).toEqual({ users: 8, issued: 4, rejected: { ALREADY_ISSUED: 2 }, failed: 1, refused: { SOLD_OUT: 1 }, pending: 0 });
    });
  }
});
