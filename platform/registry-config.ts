/**
 * Every schema-registry client's connection, built in one place: the URL, HTTP basic credentials
 * and the CA that signs the registry's TLS certificate, parsed once from the environment.
 *
 *   SCHEMA_REGISTRY_URL                       http(s)://host:port/apis/ccompat/v7 (credentials in the URL are taken too)
 *   SCHEMA_REGISTRY_USERNAME / _PASSWORD      basic auth, or
 *   SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO      `user:password` (Confluent's form; Confluent Cloud's API key:secret)
 *   SCHEMA_REGISTRY_CA_LOCATION               PEM file of the CA (https only); unset = the system's CAs
 *
 * The serde's registry client and the few direct HTTP calls (compatibility level, readiness) use it.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { endpointsFromEnv } from './endpoints.ts';

export interface RegistryConnection {
  /** Without credentials and trailing slashes. */
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** PEM text of the CA to trust instead of the system's. */
  readonly ca?: string;
}

/** A registry setting is missing or contradicts another; the message names the variable. */
export class RegistryConfigError extends Error {
  override name = 'RegistryConfigError';
}

/** The embedded stack's registry, or whatever SCHEMA_REGISTRY_* say. */
export function registryConnectionFromEnv(env: NodeJS.ProcessEnv = process.env, readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): RegistryConnection {
  const problems: string[] = [];
  const raw = endpointsFromEnv(env).schemaRegistryUrl;
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!parsed || !/^https?:$/.test(parsed.protocol)) problems.push(`SCHEMA_REGISTRY_URL: expected a URL like https://host:8081, got "${raw}"`);
  const fromUrl = parsed?.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined;
  if (parsed) {
    parsed.username = '';
    parsed.password = '';
  }

  const username = env.SCHEMA_REGISTRY_USERNAME?.trim() || undefined;
  const password = env.SCHEMA_REGISTRY_PASSWORD || undefined;
  const userInfo = env.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO || undefined;
  const given = [username || password ? 'SCHEMA_REGISTRY_USERNAME/_PASSWORD' : '', userInfo ? 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO' : '', fromUrl ? 'credentials in SCHEMA_REGISTRY_URL' : ''].filter(Boolean);
  if (given.length > 1) problems.push(`registry credentials: set one of ${given.join(', ')}, not several`);
  let auth = fromUrl;
  if (username || password) {
    if (!username || !password) problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD: set both or neither');
    else auth = { username, password };
  }
  if (userInfo) {
    const colon = userInfo.indexOf(':');
    if (colon <= 0) problems.push('SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: expected user:password');
    else auth = { username: userInfo.slice(0, colon), password: userInfo.slice(colon + 1) };
  }

  let ca: string | undefined;
  const caLocation = env.SCHEMA_REGISTRY_CA_LOCATION?.trim() || undefined;
  if (caLocation) {
    if (parsed?.protocol !== 'https:') problems.push('SCHEMA_REGISTRY_CA_LOCATION: only used with an https SCHEMA_REGISTRY_URL');
    else {
      try {
        ca = readFile(caLocation);
      } catch (err) {
        problems.push(`SCHEMA_REGISTRY_CA_LOCATION: cannot read the file "${caLocation}" (${(err as Error).message})`);
      }
    }
  }
  if (problems.length > 0 || !parsed) throw new RegistryConfigError(`invalid schema registry configuration: ${problems.join('; ')}`);
  return { url: parsed.toString().replace(/\/+$/, ''), ...(auth ? { auth } : {}), ...(ca ? { ca } : {}) };
}

const agents = new WeakMap<RegistryConnection, http.Agent>();

/** One keep-alive agent per connection, trusting its CA when it has one. */
function agentOf(connection: RegistryConnection): http.Agent {
  let agent = agents.get(connection);
  if (!agent) {
    agent = connection.url.startsWith('https:') ? new https.Agent({ keepAlive: true, ...(connection.ca ? { ca: connection.ca } : {}) }) : new http.Agent({ keepAlive: true });
    agents.set(connection, agent);
  }
  return agent;
}

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/**
 * How long one call of the serde's registry client may take. Without a bound, a registry that took
 * a request and never answered (seen once, a registration at a cold start of the whole stack) held
 * its caller for good: the provisioning, a service's start, a processor resolving a writer schema.
 * With it the call fails with a timeout, which they retry.
 */
const REGISTRY_CALL_TIMEOUT_MS = 10_000;

/** Gives every request of the client a timeout (mappersmith's, as its own TimeoutMiddleware does). */
const callTimeout = (ms: number): RegistryMiddleware => () => ({
  async prepareRequest(next) {
    const request = await next();
    return request.timeout() ? request : request.enhance({ timeout: ms });
  },
});

/** The registry client of the serde, with the connection's credentials and CA. */
export function schemaRegistryClient(connection: RegistryConnection, callTimeoutMs = REGISTRY_CALL_TIMEOUT_MS): SchemaRegistry {
  return new SchemaRegistry({
    host: connection.url,
    ...(connection.auth ? { auth: { username: connection.auth.username, password: connection.auth.password } } : {}),
    agent: agentOf(connection),
    retry: { retries: 2, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 1 },
    middlewares: [callTimeout(callTimeoutMs)],
  });
}

export interface RegistryAnswer {
  status: number;
  body: string;
}

/**
 * One HTTP call to the registry (`path` below its URL) with the connection's credentials and CA,
 * bounded by a timer of its own: against a registry that accepts connections and drops them at
 * once (a proxy in front of a dead one), AbortSignal.timeout was seen never to fire.
 */
export function registryRequest(connection: RegistryConnection, path: string, options: { method?: string; json?: unknown; timeoutMs: number }): Promise<RegistryAnswer> {
  const url = new URL(`${connection.url}${path}`);
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (connection.auth) headers.authorization = `Basic ${Buffer.from(`${connection.auth.username}:${connection.auth.password}`).toString('base64')}`;
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: options.method ?? 'GET', headers, agent: agentOf(connection) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', reject);
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}
