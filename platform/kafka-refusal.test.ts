import { describe, expect, it } from 'vitest';
import { refusalMessage } from './kafka-refusal.ts';

describe('refusalMessage()', () => {
  const scram = { brokers: 'k1:9093', properties: { 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'coupon', 'sasl.password': 'hunter2' } };

  it("names the brokers, the user, the mechanism and librdkafka's reason without its thread prefix", () => {
    const reason = '[thrd:sasl_ssl://k1:9093/bootstrap]: sasl_ssl://k1:9093/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials';
    expect(refusalMessage(scram, reason)).toBe(
      'Kafka at k1:9093 refused the connection as coupon (SCRAM-SHA-512) over SASL_SSL: sasl_ssl://k1:9093/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials; check KAFKA_SASL_* and KAFKA_SSL_*',
    );
  });

  it('never carries the password', () => {
    expect(refusalMessage(scram, undefined)).not.toContain('hunter2');
  });

  it('a TLS refusal without SASL, and one without a logged reason', () => {
    expect(refusalMessage({ brokers: 'k:9093', properties: { 'security.protocol': 'ssl' } }, 'SSL handshake failed: certificate verify failed')).toBe(
      'Kafka at k:9093 refused the connection over SSL: SSL handshake failed: certificate verify failed; check KAFKA_SASL_* and KAFKA_SSL_*',
    );
    expect(refusalMessage({ brokers: 'k:9093', properties: { 'sasl.mechanism': 'OAUTHBEARER', 'security.protocol': 'sasl_ssl' } }, undefined)).toMatch(/refused the connection with OAUTHBEARER over SASL_SSL: no reason given/);
  });
});
