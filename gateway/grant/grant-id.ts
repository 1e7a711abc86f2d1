/**
 * Grant ids and the deterministic event id of each (grant, user): what makes a grant idempotent
 * by construction. Uploading the same users again, or resuming after a crash at any line, yields
 * the same event ids, and the processor's ledger (keyed by event id) decides each once.
 */
import { v5 as uuidv5 } from 'uuid';

/** The name-based (v5) UUID namespace of grant requests; fixed forever, or re-uploads would issue anew. */
const GRANT_EVENT_NAMESPACE = '3c0f4d52-8f51-4c59-9a0e-2f8f4c4f7a1e';

/** At most 64 characters: the gateway's longest path parameter (GET /api/admin/grants/:id). */
const GRANT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A grant id the caller chose is refused unless it matches GRANT_ID. */
export class InvalidGrantIdError extends Error {
  override name = 'InvalidGrantIdError';
}

export function checkGrantId(id: string): string {
  if (!GRANT_ID.test(id)) throw new InvalidGrantIdError(`grant id "${id.slice(0, 120)}" must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
  return id;
}

/**
 * The grant id of an upload without one: its coupon and the SHA-256 of its (decompressed)
 * content, so the same file for the same coupon is the same grant, and for another coupon another.
 */
export const contentGrantId = (couponId: number, sha256Hex: string): string => `c${couponId}-${sha256Hex.slice(0, 32)}`;

/** The event id of the request a grant makes for a user. */
export const grantEventId = (couponId: number, grantId: string, userId: number): string => uuidv5(`${couponId}/${grantId}/${userId}`, GRANT_EVENT_NAMESPACE);
