/**
 * What every configuration loader shares: the error a bad environment raises, the integer and
 * LOG_LEVEL rules, and the parse that names every bad variable at once, so a typo stops the
 * process at start-up with a message naming the variable.
 */
import { z } from 'zod';

/** Invalid environment: the message names each bad variable and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer variable within [min, max]. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * PROCESSOR_GROUP_ID: the processors' consumer group. The gateway and the ops tools read it too
 * (the processed watermarks and the lag are the group's).
 */
export const processorGroupIdVariable = z.string().trim().min(1).default('coupon-processor');

/** LOG_LEVEL: one of pino's levels, `info` when unset. */
export const logLevelVariable = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** A ConfigError about `service`'s configuration (`invalid <service> configuration: ...`). */
export const serviceConfigError = (service: string, message: string, options?: ErrorOptions): ConfigError =>
  new ConfigError(`invalid ${service} configuration: ${message}`, options);

/** The environment parsed by `schema`; every problem named in one ConfigError. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, service: string): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw serviceConfigError(service, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}
