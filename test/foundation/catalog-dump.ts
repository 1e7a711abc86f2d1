/** What a schema looks like to the catalog: columns, constraints and indexes, in a stable order. */
import type pg from 'pg';

export interface CatalogDump {
  columns: Array<Record<string, unknown>>;
  constraints: Array<{ table: string; name: string; type: string; definition: string }>;
  indexes: Array<{ table: string; name: string; definition: string }>;
}

export async function dumpCatalog(client: pg.Client, schema: string): Promise<CatalogDump> {
  const columns = await client.query(
    `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default, is_identity, identity_generation
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const constraints = await client.query<CatalogDump['constraints'][number]>(
    `SELECT c.relname AS table, con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY 1, 2`,
    [schema],
  );
  const indexes = await client.query<CatalogDump['indexes'][number]>(
    `SELECT tablename AS table, indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`,
    [schema],
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}
