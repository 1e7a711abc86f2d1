/**
 * The registry clients over HTTPS with basic auth. The embedded Apicurio registry has no basic
 * auth of its own (it needs an OpenID Connect server), so the stack's registry sits behind an HTTPS
 * front of this test's own (127.0.0.1:20203) that asks for a password and forwards what it lets
 * through; its certificate is signed by a CA made like the secured broker's. The serde's registry
 * client and the compatibility-level calls must both carry the credentials and trust that CA.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSecurity, secureFiles } from '../../ops/stack/kafka-security.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { frame, Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { request } from '../support/requests.ts';

const PORT = 20203;
const USER = 'coupon';
const PASSWORD = 'registry-secret';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-auth-'));
const upstream = new URL(endpointsFromEnv().schemaRegistryUrl);
/** The Authorization header of every request the front received. */
const seen: Array<string | undefined> = [];
let front: https.Server;

/** Answers 401 without the password, forwards everything else to the stack's registry. */
function forward(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push(req.headers.authorization);
  if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' }).end('{"error_code":401,"message":"Unauthorized"}');
    return;
  }
  const upstreamPath = req.url!.replace(/^\/registry/, upstream.pathname);
  const out = http.request({ host: upstream.hostname, port: upstream.port, path: upstreamPath, method: req.method, headers: { ...req.headers, host: upstream.host, authorization: '' } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
}

const env = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SCHEMA_REGISTRY_URL: `https://127.0.0.1:${PORT}/registry`,
  SCHEMA_REGISTRY_USERNAME: USER,
  SCHEMA_REGISTRY_PASSWORD: PASSWORD,
  SCHEMA_REGISTRY_CA_LOCATION: secureFiles(dir).caCertificate,
  ...overrides,
});

beforeAll(async () => {
  await prepareSecurity(dir);
  const keystore = fs.readFileSync(secureFiles(dir).brokerKeystore);
  front = https.createServer({ key: keystore, cert: keystore }, forward);
  await new Promise<void>((resolve) => front.listen(PORT, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => front?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('registry clients with basic auth over TLS', () => {
  it('register (compatibility level included) and decode carry the credentials and trust the CA', async () => {
    seen.length = 0;
    const serde = new Serde(registryConnectionFromEnv(env()));
    const id = await serde.register(TOPICS.requests);
    expect(id).toBe(await new Serde(registryConnectionFromEnv({})).register(TOPICS.requests));
    const value = request(1, 2, 1_700_000_000_000);
    // A fresh serde resolves the writer schema by id through the front.
    expect(await new Serde(registryConnectionFromEnv(env())).decode(TOPICS.requests, frame(id, serde.typeOf(TOPICS.requests).toBuffer(value)))).toMatchObject(value);
    expect(seen.length).toBeGreaterThanOrEqual(3); // the config lookup, the registration, the schema by id
    expect(new Set(seen)).toEqual(new Set([`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`]));
  });

  it('credentials in the URL or as user info work the same', async () => {
    const inUrl = env({ SCHEMA_REGISTRY_URL: `https://${USER}:${PASSWORD}@127.0.0.1:${PORT}/registry`, SCHEMA_REGISTRY_USERNAME: '', SCHEMA_REGISTRY_PASSWORD: '' });
    const userInfo = env({ SCHEMA_REGISTRY_USERNAME: '', SCHEMA_REGISTRY_PASSWORD: '', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: `${USER}:${PASSWORD}` });
    for (const variant of [inUrl, userInfo]) expect(await new Serde(registryConnectionFromEnv(variant)).register(TOPICS.issued)).toBeGreaterThan(0);
  });

  it('a wrong password is refused with the registry\'s 401, and a registry whose CA is not trusted is refused by TLS', async () => {
    await expect(new Serde(registryConnectionFromEnv(env({ SCHEMA_REGISTRY_PASSWORD: 'wrong' }))).register(TOPICS.rejected)).rejects.toThrow(/401/);
    await expect(new Serde(registryConnectionFromEnv(env({ SCHEMA_REGISTRY_CA_LOCATION: '' }))).register(TOPICS.rejected)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});
