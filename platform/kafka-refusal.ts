/**
 * Failing fast when the brokers refuse this process's credentials or TLS settings. librdkafka
 * treats a refused SASL login or a failed certificate check like any other connection failure:
 * it retries forever, and a client's connect() ends only after its timeout (30-60 s) with a
 * generic "broker transport failure". A wrong password is not an outage, so a service checks its
 * access first and stops with librdkafka's reason.
 */
import Kafka from '@confluentinc/kafka-javascript';
import { rdkafkaConfig, type KafkaConnection } from './kafka-config.ts';

/** The brokers refused the connection's credentials or TLS settings: a configuration problem, never retried. */
export class KafkaAccessError extends Error {
  override name = 'KafkaAccessError';
}

/** librdkafka's texts of the errors that mean "refused", not "unreachable". */
const REFUSAL = /authentication failure|ssl error/i;
const ATTEMPT_MS = 500;
/** Its log lines that say why (the SASL or TLS handshake's own message). */
const REASON = /SASL authentication error|SSL handshake failed|certificate verify failed|SASL .*failed/i;

/** A refusal of `connection`, explained: which user and mechanism, and librdkafka's reason. */
export function refusalMessage(connection: KafkaConnection, reason: string | undefined): string {
  const p = connection.properties;
  const who = p['sasl.username'] ? ` as ${p['sasl.username']} (${p['sasl.mechanism']})` : p['sasl.mechanism'] ? ` with ${p['sasl.mechanism']}` : '';
  const detail = reason?.replace(/^\[thrd:[^\]]*\]:\s*/, '') ?? 'no reason given';
  return `Kafka at ${connection.brokers} refused the connection${who} over ${(p['security.protocol'] ?? 'plaintext').toUpperCase()}: ${detail}; check KAFKA_SASL_* and KAFKA_SSL_*`;
}

/**
 * Asks the brokers for metadata once with the connection's settings, before a service creates its
 * clients. Rejects with a KafkaAccessError as soon as they refuse the credentials or the TLS
 * handshake; resolves when they answer, or when they do not answer within `timeoutMs` (unreachable
 * is an outage, which the caller's own connect and retries deal with as before). Checked before
 * the clients exist because a client refused while connecting keeps the process from exiting.
 */
export function checkKafkaAccess(connection: KafkaConnection, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let lastReason: string | undefined;
    let refusal: KafkaAccessError | undefined;
    const probe = Kafka.AdminClient.create(rdkafkaConfig(connection, { 'client.id': 'access-check', log_level: 3 }), {
      'event.log': (event: { message?: string }) => {
        if (event.message && REASON.test(event.message)) lastReason = event.message;
      },
      'event.error': (err: Error) => {
        if (REFUSAL.test(err.message)) refusal ??= new KafkaAccessError(refusalMessage(connection, lastReason), { cause: err });
      },
    });
    // Short attempts: the client's disconnect waits for a request in flight, so a refusal is
    // reported at the end of the current one. An answer, or silence until the deadline, is not a refusal.
    const attempt = (): void =>
      probe.listTopics({ timeout: ATTEMPT_MS }, (err) => {
        if (!refusal && err && Date.now() < deadline) return attempt();
        probe.disconnect();
        if (refusal) reject(refusal);
        else resolve();
      });
    attempt();
  });
}
