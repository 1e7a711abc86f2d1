import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RegistryConfigError, registryConnectionFromEnv, schemaRegistryClient } from './registry-config.ts';

const files: Record<string, string> = { '/pki/ca.pem': '-----BEGIN CERTIFICATE-----\n...' };
const readFile = (file: string): string => {
  const text = files[file];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};
const parse = (env: NodeJS.ProcessEnv) => registryConnectionFromEnv(env, readFile);

describe('registryConnectionFromEnv()', () => {
  it('defaults to the embedded registry without credentials', () => {
    expect(parse({})).toEqual({ url: 'http://127.0.0.1:18081/apis/ccompat/v7' });
  });

  it('basic auth from SCHEMA_REGISTRY_USERNAME / _PASSWORD, with a CA for https', () => {
    const env = { SCHEMA_REGISTRY_URL: 'https://psrc.example:443/', SCHEMA_REGISTRY_USERNAME: 'KEY', SCHEMA_REGISTRY_PASSWORD: 'SECRET', SCHEMA_REGISTRY_CA_LOCATION: '/pki/ca.pem' };
    expect(parse(env)).toEqual({ url: 'https://psrc.example', auth: { username: 'KEY', password: 'SECRET' }, ca: files['/pki/ca.pem'] });
  });

  it("basic auth from Confluent's user-info form (the secret may hold colons)", () => {
    expect(parse({ SCHEMA_REGISTRY_URL: 'https://r.example', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'KEY:SE:CRET' }).auth).toEqual({ username: 'KEY', password: 'SE:CRET' });
  });

  it('credentials in the URL move into the auth (never into the logged URL)', () => {
    expect(parse({ SCHEMA_REGISTRY_URL: 'https://KEY:S%40CRET@r.example/apis/ccompat/v7' })).toEqual({ url: 'https://r.example/apis/ccompat/v7', auth: { username: 'KEY', password: 'S@CRET' } });
  });

  it.each([
    [{ SCHEMA_REGISTRY_URL: 'registry:8081' }, /SCHEMA_REGISTRY_URL: expected a URL like https:\/\/host:8081, got "registry:8081"/],
    [{ SCHEMA_REGISTRY_USERNAME: 'KEY' }, /SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD: set both or neither/],
    [{ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'KEY' }, /SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: expected user:password/],
    [{ SCHEMA_REGISTRY_USERNAME: 'a', SCHEMA_REGISTRY_PASSWORD: 'b', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b' }, /set one of SCHEMA_REGISTRY_USERNAME\/_PASSWORD, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, not several/],
    [{ SCHEMA_REGISTRY_CA_LOCATION: '/pki/ca.pem' }, /SCHEMA_REGISTRY_CA_LOCATION: only used with an https SCHEMA_REGISTRY_URL/],
    [{ SCHEMA_REGISTRY_URL: 'https://r.example', SCHEMA_REGISTRY_CA_LOCATION: '/missing.pem' }, /SCHEMA_REGISTRY_CA_LOCATION: cannot read the file "\/missing.pem"/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => parse(env)).toThrow(RegistryConfigError);
    expect(() => parse(env)).toThrow(message);
  });
});

describe('schemaRegistryClient()', () => {
  it('fails a call the registry takes and never answers, after its timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const client = schemaRegistryClient({ url: `http://127.0.0.1:${port}` }, 300);
      await expect(client.getSchema(1)).rejects.toThrow(/Timeout \(300ms\)/);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
