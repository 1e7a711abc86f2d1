/**
 * The stack's Postgres asks every TCP connection for a password (SCRAM-SHA-256): the roles the
 * services use carry theirs, a wrong one is refused, and a data directory left at trust by an
 * earlier stack moves to passwords on the next `stack:up` (afterStart). Runs on an instance of
 * its own, so the shared one is never touched.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureUp } from '../../ops/stack/ensure-up.ts';
import { stackPath } from '../../ops/stack/paths.ts';
import { APP_DB, postgresComponent, REGISTRY_DB, superuserConfig } from '../../ops/stack/postgres.ts';

const PORT = 20320;
const instance = postgresComponent({ name: 'postgres-auth-test', port: PORT });
const hbaFile = stackPath('postgres-auth-test', 'data', 'pg_hba.conf');

/** Connects over TCP as `user` with `password`; resolves with the refusal's SQLSTATE, or 'ok'. */
async function login(user: string, password: string, database = 'postgres'): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port: PORT, user, password, database, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function asSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(superuserConfig(PORT));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterAll(() => instance.stop());

describe('the stack’s Postgres authentication', () => {
  it('lets the roles in with their passwords over TCP and refuses wrong ones', async () => {
    await ensureUp(instance, () => undefined);
    expect(await login(APP_DB.user, APP_DB.password, APP_DB.database)).toBe('ok');
    expect(await login(REGISTRY_DB.user, REGISTRY_DB.password, REGISTRY_DB.database)).toBe('ok');
    expect(await asSuperuser(async (c) => (await c.query('SELECT 1 AS one')).rows[0])).toEqual({ one: 1 });
    // 28P01: invalid_password.
    expect(await login(APP_DB.user, 'not-the-password', APP_DB.database)).toBe('28P01');
    expect(await login(superuserConfig().user!, 'not-the-password')).toBe('28P01');
    const methods = await asSuperuser(async (c) => (await c.query<{ type: string; auth_method: string }>('SELECT type, auth_method FROM pg_hba_file_rules')).rows);
    expect(methods.filter((r) => r.type === 'host').map((r) => r.auth_method)).toEqual(['scram-sha-256', 'scram-sha-256']);
    const stored = await asSuperuser(async (c) => (await c.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [APP_DB.user])).rows[0]!.rolpassword);
    expect(stored).toMatch(/^SCRAM-SHA-256\$/);
  }, 120_000);

  it('moves a data directory left at trust to passwords on the next stack:up', async () => {
    fs.writeFileSync(hbaFile, 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    await asSuperuser((c) => c.query('SELECT pg_reload_conf()'));
    expect(await login(APP_DB.user, 'not-the-password', APP_DB.database)).toBe('ok');

    await ensureUp(instance, () => undefined);

    expect(await login(APP_DB.user, 'not-the-password', APP_DB.database)).toBe('28P01');
    expect(await login(APP_DB.user, APP_DB.password, APP_DB.database)).toBe('ok');
  }, 120_000);
});
