/**
 * Postgres refuses work for reasons that are not the data's: a ledger table is missing for a
 * few seconds (a deploy ran ahead of its migration) or the application lost its privileges on it
 * (a permissions change). Either way every request must wait, never be dead-lettered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { superuserConfig } from '../../stack/postgres.ts';
import { APP_DB } from '../../stack/postgres.ts';
import { waitFor } from '../../run/wait-for.ts';
import type { Injector } from '../context.ts';

const BREAKS = [
  {
    name: 'issue_rejections renamed away',
    apply: 'ALTER TABLE issue_rejections RENAME TO issue_rejections_away',
    undo: 'ALTER TABLE issue_rejections_away RENAME TO issue_rejections',
  },
  {
    name: `privileges on issue_rejections revoked from ${APP_DB.user}`,
    apply: `REVOKE ALL ON issue_rejections FROM ${APP_DB.user}`,
    undo: `GRANT ALL ON issue_rejections TO ${APP_DB.user}`,
  },
] as const;

/** Runs `sql` as the superuser; DDL waits at most 3 s for its lock (the processor holds row locks briefly). */
async function superuser(port: number, sql: string): Promise<void> {
  const client = new pg.Client({ ...superuserConfig(port), database: APP_DB.database });
  await client.connect();
  try {
    await client.query("SET lock_timeout = '3s'");
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const postgresError: Injector = {
  kind: 'postgres_error',
  async inject(ctx) {
    const port = Number(new URL(`tcp://${ctx.infra.postgres.address}`).port);
    const fault = ctx.random.pick(BREAKS);
    const holdMs = Math.round(ctx.random.between(3000, 10_000));
    await waitFor(() => superuser(port, fault.apply).then(() => true), 60_000, 500);
    await sleep(holdMs);
    // Undoing must succeed whatever it takes: the run cannot go on without the table.
    await waitFor(() => superuser(port, fault.undo).then(() => true), 300_000, 500);
    return `Postgres: ${fault.name} for ${holdMs} ms`;
  },
};
