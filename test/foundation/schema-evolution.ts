/**
 * A future version of the CouponIssueRejected contract, made the way the policy allows: one more
 * rejection reason and one more field with a default. Both directions of reading it against the
 * current contract are what FULL_TRANSITIVE promises consumers.
 */
import { avroSchemaOf } from '../../schemas/contracts.ts';
import { TOPICS } from '../../schemas/topics.ts';

export const NEW_REASON = 'USER_NOT_ELIGIBLE';
export const ADDED_FIELD = { name: 'campaign', type: 'string', default: 'none', doc: 'A field a later version adds.' };

type Fields = Array<Record<string, unknown>>;

/** `schema` with its fields changed by `change` (the rest, doc included, kept). */
export function withFields(schema: Record<string, unknown>, change: (fields: Fields) => Fields): Record<string, unknown> {
  return { ...schema, fields: change([...(schema.fields as Fields)]) };
}

/** The rejected contract's enum with `symbols`, and the rest of the schema as `base` has it. */
export function withReasons(base: Record<string, unknown>, symbols: string[], withDefault = true): Record<string, unknown> {
  return withFields(base, (fields) =>
    fields.map((f) => {
      if (f.name !== 'reason') return f;
      const { default: enumDefault, ...enumType } = f.type as Record<string, unknown>;
      return { ...f, type: withDefault ? { ...enumType, symbols, default: enumDefault } : { ...enumType, symbols } };
    }),
  );
}

/** The next version: today's rejected contract plus NEW_REASON and ADDED_FIELD. */
export function nextRejectedSchema(base: Record<string, unknown> = avroSchemaOf(TOPICS.rejected)): Record<string, unknown> {
  const { symbols } = (base.fields as Fields).find((f) => f.name === 'reason')!.type as { symbols: string[] };
  return withFields(withReasons(base, [...symbols, NEW_REASON]), (fields) => [...fields, ADDED_FIELD]);
}
