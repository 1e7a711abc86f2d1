/**
 * The subjects' compatibility policy: FULL_TRANSITIVE. Every new schema version must be readable
 * by every earlier one and read every earlier one's records, so consumers and producers upgrade
 * in any order (README, "Schema evolution"). Schemas therefore change only by adding or removing
 * fields that have defaults, and every enum carries a default for symbols its readers do not know.
 */
import { COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { registryRequest, type RegistryAnswer, type RegistryConnection } from '../platform/registry-config.ts';

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
export async function ensureCompatibility(registry: RegistryConnection, subject: string): Promise<string | undefined> {
  const path = `/config/${encodeURIComponent(subject)}`;
  const call = async (options: { method?: string; json?: unknown } = {}): Promise<RegistryAnswer> => {
    try {
      return await registryRequest(registry, path, { ...options, timeoutMs: CALL_TIMEOUT_MS });
    } catch (err) {
      throw new CompatibilityConfigError(`registry config of ${subject} could not be reached: ${(err as Error).message}`, { cause: err });
    }
  };
  const current = await call();
  if (current.status === 404) return undefined;
  if (!ok(current)) throw new CompatibilityConfigError(`registry config of ${subject}: HTTP ${current.status} ${current.body}`);
  const level = (JSON.parse(current.body) as { compatibilityLevel?: string }).compatibilityLevel?.toUpperCase();
  if (level === COMPATIBILITY_LEVEL) return level;
  const put = () => call({ method: 'PUT', json: { compatibility: COMPATIBILITY_LEVEL } });
  let updated = await put();
  // Another client created the subject's rule between our read and our write (409, already
  // exists): ours is now an update of that rule.
  if (isRuleCreatedConcurrently(updated.status, updated.body)) updated = await put();
  if (!ok(updated)) throw new CompatibilityConfigError(`setting ${subject} to ${COMPATIBILITY_LEVEL}: HTTP ${updated.status} ${updated.body}`);
  return level;
}

/** The registry's 409 when another client created the subject's compatibility rule first. */
export const isRuleCreatedConcurrently = (status: number | undefined, message: string | undefined): boolean => status === 409 && /already exists/i.test(message ?? '');

const ok = (answer: RegistryAnswer): boolean => answer.status >= 200 && answer.status < 300;
