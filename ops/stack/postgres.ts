import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type { Component, Instance } from './component.ts';
import { stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

export const POSTGRES_PORT = 15432;
/** The application's role and database, and the registry's own database (Apicurio SQL storage). */
export const APP_DB = { user: 'coupon', password: 'coupon', database: 'coupon' };
export const REGISTRY_DB = { user: 'registry', password: 'registry', database: 'registry' };


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

/** The superuser's connection settings of the instance on `port`. */
export const superuserConfig = (port = POSTGRES_PORT): pg.ClientConfig => ({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });

/** The stack's Postgres, or another instance of it (a fault run's private one) given name and port. */
export function postgresComponent({ name, port }: Instance = { name: 'postgres', port: POSTGRES_PORT }): Component {
  const dataDir = stackPath(name, 'data');
  const socketDir = stackPath(name, 'run');
  return {
    name,
    address: `127.0.0.1:${port}`,
    startTimeoutMs: 60_000,
    logFiles: [logFile(name)],
    processNames: [name],

    async prepare() {
      const account = serverAccount();
      fs.mkdirSync(stackPath(name), { recursive: true });
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
        name,
        command: pgBin('postgres'),
        args: [
          '-D', dataDir,
          '-p', String(port),
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
      const client = new pg.Client(superuserConfig(port));
      await client.connect();
      await client.query('SELECT 1').finally(() => client.end());
    },

    async afterStart() {
      const client = new pg.Client(superuserConfig(port));
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
      await stopProcess(name, 30_000);
    },
  };
}
