/**
 * The few Confluent-compatible registry calls the tests make directly, where the serde's client
 * either hides the answer (status codes, stored versions) or has no call for it (config, delete).
 */
import { endpointsFromEnv } from '../../platform/endpoints.ts';

const base = (): string => endpointsFromEnv().schemaRegistryUrl.replace(/\/+$/, '');
const JSON_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegistryAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<RegistryAnswer> {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': JSON_TYPE },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  return { status: res.status, body: Array.isArray(parsed) ? { items: parsed } : (parsed as Record<string, unknown>) };
}

const subjectPath = (subject: string): string => `/subjects/${encodeURIComponent(subject)}`;

export const registryApi = {
  setCompatibility: (subject: string, compatibility: string) => call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility }),
  compatibilityOf: async (subject: string): Promise<string | undefined> => {
    const { body } = await call('GET', `/config/${encodeURIComponent(subject)}`);
    return typeof body.compatibilityLevel === 'string' ? body.compatibilityLevel : undefined;
  },
  /** Registers a schema; a refusal comes back as the status (409 for an incompatible schema), not as a throw. */
  register: (subject: string, schema: object) => call('POST', `${subjectPath(subject)}/versions`, { schema: JSON.stringify(schema) }),
  /** The id under which `schema` is registered in `subject` (POST /subjects/{s} looks a schema up). */
  idOf: async (subject: string, schema: object): Promise<number | undefined> => {
    const { body } = await call('POST', subjectPath(subject), { schema: JSON.stringify(schema) });
    return typeof body.id === 'number' ? body.id : undefined;
  },
  versions: async (subject: string): Promise<unknown[]> => (await call('GET', `${subjectPath(subject)}/versions`)).body.items as unknown[],
  schemaById: async (id: number): Promise<object> => JSON.parse(String((await call('GET', `/schemas/ids/${id}`)).body.schema)) as object,
  /** Soft delete then hard delete, so a test subject leaves nothing behind. */
  deleteSubject: async (subject: string): Promise<void> => {
    await call('DELETE', subjectPath(subject));
    await call('DELETE', `${subjectPath(subject)}?permanent=true`);
  },
};
