/** The embedded schema registry: Apicurio with its schemas stored in the stack's Postgres. */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Component, Instance } from './component.ts';
import { findJava, provideJava } from './java.ts';
import { fetchArtifact } from './maven.ts';
import { cachePath } from './paths.ts';
import { logFile, startDetached, stopProcess } from './process.ts';
import { POSTGRES_PORT, REGISTRY_DB } from './postgres.ts';

const run = promisify(execFile);

export const APICURIO_VERSION = '3.3.3';
export const REGISTRY_PORT = 18081;
const home = cachePath(`apicurio-${APICURIO_VERSION}`);

export interface RegistryInstance extends Instance {
  postgresPort: number;
  /** Quarkus' management interface (health, metrics); its default, 9000, can serve one instance only. */
  managementPort?: number;
}

/**
 * Apicurio Registry with SQL storage in the stack's Postgres, so schema ids survive restarts; or
 * another instance (name, ports) storing into the Postgres on `postgresPort`.
 */
export function registryComponent(
  { name, port, postgresPort, managementPort }: RegistryInstance = { name: 'registry', port: REGISTRY_PORT, postgresPort: POSTGRES_PORT },
): Component {
  const base = `http://127.0.0.1:${port}`;
  return {
    name,
    address: `${base}/apis/ccompat/v7`,
    startTimeoutMs: 120_000,
    logFiles: [logFile(name)],
    processNames: [name],

    async prepare() {
      await provideJava(21);
      if (fs.existsSync(path.join(home, 'quarkus-run.jar'))) return;
      const tarball = await fetchArtifact(
        `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
        `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`,
      );
      const tmp = `${home}.partial`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      await run('tar', ['-xzf', tarball, '-C', tmp]);
      fs.renameSync(tmp, home);
    },

    async start() {
      startDetached({
        name,
        command: findJava(21),
        args: ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', path.join(home, 'quarkus-run.jar')],
        cwd: home,
        env: {
          QUARKUS_HTTP_HOST: '127.0.0.1',
          QUARKUS_HTTP_PORT: String(port),
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'postgresql',
          APICURIO_DATASOURCE_URL: `jdbc:postgresql://127.0.0.1:${postgresPort}/${REGISTRY_DB.database}`,
          APICURIO_DATASOURCE_USERNAME: REGISTRY_DB.user,
          APICURIO_DATASOURCE_PASSWORD: REGISTRY_DB.password,
          // Connections that a Postgres restart broke are found and replaced instead of failing requests for good.
          QUARKUS_DATASOURCE_POSTGRESQL_JDBC_VALIDATION_QUERY_SQL: 'SELECT 1',
          QUARKUS_DATASOURCE_POSTGRESQL_JDBC_VALIDATE_ON_BORROW: 'true',
          QUARKUS_DATASOURCE_POSTGRESQL_JDBC_BACKGROUND_VALIDATION_INTERVAL: '5S',
          ...(managementPort === undefined ? {} : { QUARKUS_MANAGEMENT_HOST: '127.0.0.1', QUARKUS_MANAGEMENT_PORT: String(managementPort) }),
        },
      });
    },

    async checkHealth() {
      const res = await fetch(`${base}/apis/ccompat/v7/subjects`, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
    },

    async stop() {
      await stopProcess(name);
    },
  };
}
