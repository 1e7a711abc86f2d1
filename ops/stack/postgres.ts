import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type { Component } from './component.ts';
import { stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

export const POSTGRES_PORT = 15432;
/** The application's role and database, and the registry's own database (Apicurio SQL storage). */
export const APP_DB = { user: 'coupon', password: 'coupon', database: 'coupon' };
export const REGISTRY_DB = { user: 'registry', password: 'registry', database: 'registry' };

const dataDir = stackPath('postgres', 'data');
const socketDir = stackPath('postgres', 'run');

function pgBin(tool: string): string {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const candidate = path.join('/usr/lib/postgresql', v, 'bin', tool);
    if (fs.existsSync(candidate)) return candidate;
  }
  return tool;
}

/** Postgres refuses to run as root; the Debian package's `postgres` account runs it then. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

const superuserConfig = (): pg.ClientConfig => ({ host: '127.0.0.1', port: POSTGRES_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });

export function postgresComponent(): Component {
  return {
    name: 'postgres',
    address: `127.0.0.1:${POSTGRES_PORT}`,
    startTimeoutMs: 60_000,
    logFiles: [logFile('postgres')],
    processNames: ['postgres'],

    async prepare() {
      const account = serverAccount();
      fs.mkdirSync(stackPath('postgres'), { recursive: true });
      fs.mkdirSync(socketDir, { recursive: true });
      if (account) fs.chownSync(socketDir, account.uid, account.gid);
      if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
      fs.mkdirSync(dataDir, { recursive: true });
      if (account) fs.chownSync(dataDir, account.uid, account.gid);
      // Loopback only, trust auth: a developer's local stack, never reachable from outside.
      execFileSync(pgBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(account ?? {}),
      });
    },

    async start() {
      const account = serverAccount();
      startDetached({
        name: 'postgres',
        command: pgBin('postgres'),
        args: [
          '-D', dataDir,
          '-p', String(POSTGRES_PORT),
          '-c', 'listen_addresses=127.0.0.1',
          '-c', `unix_socket_directories=${socketDir}`,
          '-c', 'max_connections=200',
          '-c', 'shared_buffers=512MB',
          '-c', 'max_wal_size=4GB',
          '-c', 'checkpoint_timeout=15min',
          '-c', 'wal_compression=on',
        ],
        ...(account ?? {}),
      });
    },

    async checkHealth() {
      const client = new pg.Client(superuserConfig());
      await client.connect();
      await client.query('SELECT 1').finally(() => client.end());
    },

    async afterStart() {
      const client = new pg.Client(superuserConfig());
      await client.connect();
      try {
        for (const db of [APP_DB, REGISTRY_DB]) {
          const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db.user]);
          if (role.rowCount === 0) await client.query(`CREATE ROLE ${db.user} LOGIN PASSWORD '${db.password}'`);
          const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
          if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${db.database} OWNER ${db.user}`);
        }
      } finally {
        await client.end();
      }
    },

    async stop() {
      await stopProcess('postgres', 30_000);
    },
  };
}
