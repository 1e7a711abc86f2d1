/**
 * The subjects' compatibility policy: FULL_TRANSITIVE. Every new schema version must be readable
 * by every earlier one and read every earlier one's records, so consumers and producers upgrade
 * in any order (README, "Schema evolution"). Schemas therefore change only by adding or removing
 * fields that have defaults, and every enum carries a default for symbols its readers do not know.
 */
import { COMPATIBILITY } from '@kafkajs/confluent-schema-registry';

export const COMPATIBILITY_LEVEL = COMPATIBILITY.FULL_TRANSITIVE;

const CALL_TIMEOUT_MS = 10_000;

/** The registry refused or failed a compatibility-configuration call. */
export class CompatibilityConfigError extends Error {
  override name = 'CompatibilityConfigError';
}

/**
 * Moves an existing subject to COMPATIBILITY_LEVEL (registries provisioned when the policy was
 * BACKWARD); a no-op when it is there already or the subject does not exist yet (its first
 * registration sets the level). Returns the level the subject had, if any.
 */
export async function ensureCompatibility(registryUrl: string, subject: string): Promise<string | undefined> {
  const url = `${registryUrl.replace(/\/+$/, '')}/config/${encodeURIComponent(subject)}`;
  const call = async (init?: RequestInit): Promise<Response> => {
    const abort = new AbortController();
    // Our own timer, not AbortSignal.timeout: against a registry that accepts connections and
    // drops them at once (a proxy in front of a dead one), that signal was seen never to fire.
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    try {
      return await fetch(url, { ...init, signal: abort.signal });
    } catch (err) {
      throw new CompatibilityConfigError(`registry config of ${subject} could not be reached: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
  const current = await call();
  if (current.status === 404) return undefined;
  if (!current.ok) throw new CompatibilityConfigError(`registry config of ${subject}: HTTP ${current.status} ${await current.text()}`);
  const level = ((await current.json()) as { compatibilityLevel?: string }).compatibilityLevel?.toUpperCase();
  if (level === COMPATIBILITY_LEVEL) return level;
  const updated = await call({
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: COMPATIBILITY_LEVEL }),
  });
  if (!updated.ok) throw new CompatibilityConfigError(`setting ${subject} to ${COMPATIBILITY_LEVEL}: HTTP ${updated.status} ${await updated.text()}`);
  return level;
}
