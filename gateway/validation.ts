/**
 * Input validation as small pure functions that either return a typed value or throw a 400
 * ApiError naming the field. Written by hand rather than through a schema library on the hot
 * path: the issue endpoint validates two ids per request.
 */
import { z } from 'zod';
import { badRequest, type ErrorCode } from './errors.ts';

/** Canonical decimal form of a positive id: no sign, no leading zeros, no exponent. */
const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

type IdCode = Extract<ErrorCode, 'INVALID_COUPON_ID' | 'INVALID_USER_ID'>;

function idError(code: IdCode, what: string): never {
  throw badRequest(code, `${what} must be a positive integer no larger than ${Number.MAX_SAFE_INTEGER}`);
}

/** A positive id as written in a URL path segment (a string of digits). */
export function parsePathId(raw: unknown, code: IdCode, what: string): number {
  if (typeof raw !== 'string' || !ID_PATTERN.test(raw)) idError(code, what);
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) idError(code, what);
  return id;
}

/** A positive id given as a JSON number (strings are refused: the contract types it as an integer). */
export function parseJsonId(raw: unknown, code: IdCode, what: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1) idError(code, what);
  return raw;
}

function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined) throw badRequest('MISSING_BODY', 'a JSON object body is required');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('INVALID_BODY', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function refuseUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key in body) {
    if (!allowed.includes(key)) throw badRequest('UNKNOWN_FIELD', `unknown field "${key}"; allowed: ${allowed.join(', ')}`);
  }
}

const ISSUE_FIELDS = ['userId'] as const;

/**
 * The user id of `POST .../issue`'s body `{ "userId": <int> }`; undefined when left out, which
 * only end-user tokens allow (see resolveUserId).
 */
export function parseIssueBody(body: unknown): number | undefined {
  const object = requireObject(body);
  refuseUnknownFields(object, ISSUE_FIELDS);
  return object.userId === undefined ? undefined : parseJsonId(object.userId, 'INVALID_USER_ID', 'userId');
}

/** What an admin sends to create a coupon, resolved to epoch milliseconds. */
export interface CouponDefinition {
  name: string;
  totalQuantity: number;
  startsAt: number;
  /** null: open-ended. */
  endsAt: number | null;
}

const MAX_QUANTITY = 2_147_483_647; // coupons.total_quantity is a Postgres integer

const couponDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  totalQuantity: z.number().int().min(1).max(MAX_QUANTITY),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).nullable().optional(),
});

const FIELD_CODES: Record<string, ErrorCode> = {
  name: 'INVALID_NAME',
  totalQuantity: 'INVALID_TOTAL_QUANTITY',
  startsAt: 'INVALID_WINDOW',
  endsAt: 'INVALID_WINDOW',
};

/**
 * The body of `POST /api/admin/coupons`. A missing startsAt means "now" (taken here, at
 * millisecond precision, so the gate and the ledger compare the same instant).
 */
export function parseCouponDefinition(body: unknown, nowMs: number): CouponDefinition {
  const parsed = couponDefinitionSchema.safeParse(requireObject(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw badRequest('UNKNOWN_FIELD', `unknown field "${issue.keys[0]}"; allowed: ${Object.keys(FIELD_CODES).join(', ')}`);
    const field = String(issue.path[0] ?? '');
    throw badRequest(FIELD_CODES[field] ?? 'INVALID_BODY', `${field || 'body'}: ${issue.message}`);
  }
  const { name, totalQuantity } = parsed.data;
  const startsAt = parsed.data.startsAt === undefined ? nowMs : Date.parse(parsed.data.startsAt);
  const endsAt = parsed.data.endsAt == null ? null : Date.parse(parsed.data.endsAt);
  if (endsAt !== null && endsAt <= startsAt) throw badRequest('INVALID_WINDOW', 'endsAt must be later than startsAt');
  return { name, totalQuantity, startsAt, endsAt };
}
