/**
 * The roster's writes against the real Postgres (each test in a scratch schema with every
 * migration applied): with no foreign key per row (migration 005), GrantStore.addUsers itself
 * keeps a roster row from outliving its grant — it refuses a grant that does not exist and holds
 * the grant row against a delete running at the same time.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
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
