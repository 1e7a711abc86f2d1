/**
 * The database migrations (ops/db/migrate.ts) against the real Postgres, each test in its own
 * empty schema: re-running changes nothing, concurrent runs apply each migration once, an edited
 * applied migration is refused, and the constraints the exactly-once design leans on (docs/architecture.md,
 * "Data model") reject what they must, by name.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../ops/db/migrate.ts';
import { dumpCatalog } from './catalog-dump.ts';
import { scratchSchemas, withClient } from './pg-scratch.ts';

const scratch = scratchSchemas();
const allVersions = loadMigrations().map((m) => m.version);

afterAll(async () => {
  await scratch.cleanup();
});

/** A scratch schema with every migration applied. */
async function migratedSchema(): Promise<{ name: string; url: string }> {
  const schema = await scratch.create();
  expect(await migrate(schema.url)).toEqual(allVersions);
  return schema;
}

/** Runs a statement that must fail and checks the SQLSTATE and the constraint Postgres names. */
async function expectViolation(run: Promise<unknown>, code: string, constraint: string): Promise<void> {
  const error = await run.then(
    () => undefined,
    (err: unknown) => err as pg.DatabaseError,
  );
  expect(error, `expected ${constraint} to be violated`).toBeDefined();
  expect({ code: error?.code, constraint: error?.constraint }).toEqual({ code, constraint });
}

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';

describe('migrate()', () => {
  it('applies every migration once; a second run applies nothing and leaves the same schema', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (client) => {
      const before = await dumpCatalog(client, schema.name);
      const ledgerBefore = (await client.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')).rows;
      // The dump is not vacuous: it shows the tables and the constraints the design names.
      expect(new Set(before.columns.map((c) => c.table_name))).toEqual(
        new Set(['coupons', 'user_coupons', 'issue_rejections', 'issue_outcomes', 'coupon_grants', 'coupon_grant_users', 'schema_migrations']),
      );
      expect(before.constraints.map((c) => c.name)).toEqual(
        expect.arrayContaining(['coupons_no_over_issuance', 'user_coupons_one_per_user', 'user_coupons_event_id_key', 'issue_rejections_pkey']),
      );

      expect(await migrate(schema.url)).toEqual([]);

      expect(await dumpCatalog(client, schema.name)).toEqual(before);
      expect((await client.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')).rows).toEqual(ledgerBefore);
    });
  });

  it('two concurrent runs apply each migration exactly once between them', async () => {
    const schema = await scratch.create();
    const [first, second] = await Promise.all([migrate(schema.url), migrate(schema.url)]);
    expect([...first!, ...second!].sort((a, b) => a - b)).toEqual(allVersions);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, (c) => c.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = $1", [allVersions[0]]));
    await expect(migrate(schema.url)).rejects.toThrow(/changed after it was applied/);
  });
});

describe('data model constraints', () => {
  const insertCoupon = (c: pg.Client, total: number, issued: number) =>
    c.query<{ id: string }>('INSERT INTO coupons (name, total_quantity, issued_quantity) VALUES ($1, $2, $3) RETURNING id', ['test coupon', total, issued]);
  const insertUserCoupon = (c: pg.Client, couponId: string, userId: number, eventId: string) =>
    c.query('INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at, source_partition, source_offset) VALUES ($1, $2, $3, now(), now(), 0, 0)', [couponId, userId, eventId]);

  it('CHECK (issued_quantity <= total_quantity) refuses over-issuance, on insert and on the bump', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (c) => {
      await expectViolation(insertCoupon(c, 2, 3), CHECK_VIOLATION, 'coupons_no_over_issuance');
      const { rows } = await insertCoupon(c, 2, 1);
      const id = rows[0]!.id;
      await c.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [id]); // reaches the total: allowed
      await expectViolation(c.query('UPDATE coupons SET issued_quantity = issued_quantity + 1 WHERE id = $1', [id]), CHECK_VIOLATION, 'coupons_no_over_issuance');
      expect((await c.query('SELECT issued_quantity FROM coupons WHERE id = $1', [id])).rows[0]).toEqual({ issued_quantity: 2 });
    });
  });

  it('UNIQUE (coupon_id, user_id) and UNIQUE (event_id) refuse a second coupon and a replayed event', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (c) => {
      const couponA = (await insertCoupon(c, 10, 0)).rows[0]!.id;
      const couponB = (await insertCoupon(c, 10, 0)).rows[0]!.id;
      const event = randomUUID();
      await insertUserCoupon(c, couponA, 7, event);

      await expectViolation(insertUserCoupon(c, couponA, 7, randomUUID()), UNIQUE_VIOLATION, 'user_coupons_one_per_user');
      await expectViolation(insertUserCoupon(c, couponB, 8, event), UNIQUE_VIOLATION, 'user_coupons_event_id_key');
      // Neither key is stricter than it should be: the same user may hold another coupon.
      await insertUserCoupon(c, couponB, 7, randomUUID());
      expect((await c.query('SELECT count(*)::int AS n FROM user_coupons')).rows[0]).toEqual({ n: 2 });
    });
  });

  it('a coupon issued to users cannot be deleted or renumbered; one nobody holds can', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (c) => {
      const held = (await insertCoupon(c, 10, 1)).rows[0]!.id;
      const unheld = (await insertCoupon(c, 10, 0)).rows[0]!.id;
      await insertUserCoupon(c, held, 7, randomUUID());
      for (const change of [c.query('DELETE FROM coupons WHERE id = $1', [held]), c.query('UPDATE coupons SET id = id + 1000 WHERE id = $1', [held])]) {
        const error = await change.then(() => undefined, (err: unknown) => err as pg.DatabaseError);
        expect({ code: error?.code, message: error?.message }).toEqual({ code: FOREIGN_KEY_VIOLATION, message: `coupon ${held} has been issued to users; it cannot be deleted or renumbered` });
      }
      await c.query('DELETE FROM coupons WHERE id = $1', [unheld]);
      expect((await c.query('SELECT id FROM coupons')).rows).toEqual([{ id: held }]);
    });
  });

  it('a grant with users on its roster cannot be deleted or renamed; one without can', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (c) => {
      const coupon = (await insertCoupon(c, 10, 0)).rows[0]!.id;
      await c.query("INSERT INTO coupon_grants (id, coupon_id) VALUES ('listed', $1), ('empty', $1)", [coupon]);
      await c.query("INSERT INTO coupon_grant_users (grant_id, user_id, event_id, line) VALUES ('listed', 7, $1, 2)", [randomUUID()]);
      for (const change of [c.query("DELETE FROM coupon_grants WHERE id = 'listed'"), c.query("UPDATE coupon_grants SET id = 'renamed' WHERE id = 'listed'")]) {
        const error = await change.then(() => undefined, (err: unknown) => err as pg.DatabaseError);
        expect({ code: error?.code, message: error?.message }).toEqual({ code: FOREIGN_KEY_VIOLATION, message: 'grant listed has users on its roster; it cannot be deleted or renamed' });
      }
      await c.query("DELETE FROM coupon_grants WHERE id = 'empty'");
      expect((await c.query('SELECT id FROM coupon_grants')).rows).toEqual([{ id: 'listed' }]);
    });
  });

  it('the rejections hold one row per event_id; the ledger view shows issued and rejected requests as one outcome each', async () => {
    const schema = await migratedSchema();
    await withClient(schema.url, async (c) => {
      const insertRejection = (eventId: string) =>
        c.query(
          `INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at)
           VALUES ($1, 1, 7, 'REJECTED', 'SOLD_OUT', 0, 42, now())`,
          [eventId],
        );
      const rejected = randomUUID();
      await insertRejection(rejected);
      await expectViolation(insertRejection(rejected), UNIQUE_VIOLATION, 'issue_rejections_pkey');
      const coupon = (await insertCoupon(c, 10, 0)).rows[0]!.id;
      const issued = randomUUID();
      await insertUserCoupon(c, coupon, 8, issued);
      const { rows } = await c.query('SELECT event_id, outcome, reason, user_coupon_id IS NOT NULL AS holds FROM issue_outcomes ORDER BY outcome');
      expect(rows).toEqual([
        { event_id: issued, outcome: 'ISSUED', reason: null, holds: true },
        { event_id: rejected, outcome: 'REJECTED', reason: 'SOLD_OUT', holds: false },
      ]);
    });
  });
});
