/**
 * Throw-away Postgres schemas for migration tests: each is created empty in the application
 * database, reached through a connection URL whose search_path is only that schema (so
 * unqualified DDL lands there, exactly as it would in an empty database), and dropped by cleanup().
 * Needs no superuser, so it works against any DATABASE_URL whose role may create schemas.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { endpointsFromEnv } from '../../platform/endpoints.ts';

export interface ScratchSchemas {
  /** Creates an empty schema and returns a connection URL scoped to it. */
  create(): Promise<{ name: string; url: string }>;
  cleanup(): Promise<void>;
}

export function scratchSchemas(): ScratchSchemas {
  const databaseUrl = endpointsFromEnv().databaseUrl;
  const created: string[] = [];
  const withAdmin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  return {
    async create() {
      const name = `test_migrations_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      await withAdmin((c) => c.query(`CREATE SCHEMA ${name}`));
      created.push(name);
      const url = new URL(databaseUrl);
      url.searchParams.set('options', `-c search_path=${name}`);
      return { name, url: url.toString() };
    },
    async cleanup() {
      if (created.length === 0) return;
      await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${created.join(', ')} CASCADE`));
    },
  };
}

/** Connects a client to `url`, runs `work`, and always closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
