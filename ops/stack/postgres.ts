/** The embedded Postgres: a project-owned data directory (initdb/pg_ctl), its roles and databases. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type { Component, Instance } from './component.ts';
import { stackPath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';

export const POSTGRES_PORT = 15432;
/**
 * The roles of the local stack, each with a password: every TCP connection authenticates with
 * SCRAM-SHA-256 (HBA below). They are a developer's loopback-only defaults; a deployment sets its
 * own through DATABASE_URL.
 */
export const SUPERUSER = { user: 'postgres', password: 'postgres' };
/** The application's role and database, and the registry's own database (Apicurio SQL storage). */
export const APP_DB = { user: 'coupon', password: 'coupon', database: 'coupon' };
export const REGISTRY_DB = { user: 'registry', password: 'registry', database: 'registry' };

/**
 * pg_hba.conf of the stack's instances: a password (SCRAM) for every TCP connection; only the Unix
 * socket, in the stack's own folder that local users alone reach, is trusted.
 */
export const HBA = `# Written by ops/stack/postgres.ts on every stack:up.
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
`;


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
export const superuserConfig = (port = POSTGRES_PORT): pg.ClientConfig => ({
  host: '127.0.0.1',
  port,
  user: SUPERUSER.user,
  password: SUPERUSER.password,
  database: 'postgres',
  connectionTimeoutMillis: 2000,
});

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
      // Trust until the first start's afterStart has set the passwords and written the HBA.
      execFileSync(pgBin('initdb'), ['-D', dataDir, '-U', SUPERUSER.user, '--auth=trust', '-E', 'UTF8', '--no-instructions'], {
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
        // Passwords first, then the HBA that requires them: a data directory created with trust
        // (a fresh one, or one of a stack from before passwords) moves to SCRAM here.
        await client.query("SET password_encryption = 'scram-sha-256'");
        await client.query(`ALTER ROLE ${SUPERUSER.user} PASSWORD '${SUPERUSER.password}'`);
        for (const db of [APP_DB, REGISTRY_DB]) {
          const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db.user]);
          await client.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${db.user} LOGIN PASSWORD '${db.password}'`);
          const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
          if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${db.database} OWNER ${db.user}`);
        }
        const hbaFile = path.join(dataDir, 'pg_hba.conf');
        if (fs.readFileSync(hbaFile, 'utf8') !== HBA) {
          fs.writeFileSync(hbaFile, HBA);
          await client.query('SELECT pg_reload_conf()');
        }
        const errors = await client.query<{ error: string }>('SELECT error FROM pg_hba_file_rules WHERE error IS NOT NULL');
        if (errors.rowCount) throw new Error(`pg_hba.conf refused: ${errors.rows.map((r) => r.error).join('; ')}`);
      } finally {
        await client.end();
      }
    },

    async stop() {
      await stopProcess(name, 30_000);
    },
  };
}
