import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_USER, SCRAM_MECHANISM, scramFormatArgs, secureClientEnv, secureConnection, secureFiles, secureListenerLines } from './kafka-security.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-security-'));
fs.writeFileSync(secureFiles(dir).credentials, JSON.stringify({ admin: 'admin-pw', client: 'client-pw' }));
fs.writeFileSync(secureFiles(dir).caCertificate, 'ca');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the secured broker', () => {
  it('listens for clients on SASL_SSL only, talks to itself over it as admin, and reads its PEM keystore and CA', () => {
    const lines = secureListenerLines(dir, 20300);
    expect(lines).toContain('listeners=SASL_SSL://127.0.0.1:20300,CONTROLLER://127.0.0.1:20301');
    expect(lines).toContain('listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT');
    expect(lines).toContain('inter.broker.listener.name=SASL_SSL');
    expect(lines).toContain(`sasl.enabled.mechanisms=${SCRAM_MECHANISM}`);
    expect(lines).toContain('ssl.keystore.type=PEM');
    expect(lines).toContain(`ssl.truststore.location=${secureFiles(dir).caCertificate}`);
    expect(lines.find((l) => l.startsWith('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config='))).toMatch(/username="admin" password="admin-pw";$/);
  });

  it('creates both SCRAM users when its storage is formatted', () => {
    expect(scramFormatArgs(dir)).toEqual(['--add-scram', 'SCRAM-SHA-512=[name=admin,password=admin-pw]', '--add-scram', `SCRAM-SHA-512=[name=${CLIENT_USER},password=client-pw]`]);
  });

  it("gives the services' variables, which parse into a SASL_SSL connection", () => {
    expect(secureClientEnv(dir, '127.0.0.1:20300')).toEqual({
      KAFKA_BROKERS: '127.0.0.1:20300',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: CLIENT_USER,
      KAFKA_SASL_PASSWORD: 'client-pw',
      KAFKA_SSL_CA_LOCATION: secureFiles(dir).caCertificate,
    });
    expect(secureConnection(dir, '127.0.0.1:20300').properties).toMatchObject({ 'security.protocol': 'sasl_ssl', 'sasl.username': CLIENT_USER, 'ssl.ca.location': secureFiles(dir).caCertificate });
  });
});
