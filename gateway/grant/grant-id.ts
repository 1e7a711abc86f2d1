/**
 * Grant ids and the deterministic event id of each (grant, user): what makes a grant idempotent
 * by construction. Uploading the same users again, or resuming after a crash at any line, yields
 * the same event ids, and the processor's ledger (keyed by event id) decides each once.
 *
 * Two schemes; a grant keeps the one it was created with (coupon_grants.event_ids), or a re-upload
 * of a grant made before the change would derive other ids and decide its users again:
 * - 'grant-user' (new grants): UUIDv8, 60 bits of a hash of coupon and grant, then the user id.
 *   A grant's ids are neighbours in the ledger's event-id indexes, ordered by user, so a batch's
 *   5,000 inserts and probes touch a few index pages instead of 5,000 random ones (the merge of a
 *   grant's batch took half the time). Two grants share ids only if their 60-bit hashes collide.
 * - 'name-sha1' (grants created before): UUIDv5 of `<coupon>/<grant>/<user>`, random in the index.
 */
import crypto from 'node:crypto';

/** The name-based (v5) UUID namespace of 'name-sha1' grant requests; fixed forever, or re-uploads would issue anew. */
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

const NAMESPACE_BYTES = Buffer.from(GRANT_EVENT_NAMESPACE.replaceAll('-', ''), 'hex');

/** A name-based SHA-1 UUID (RFC 9562 version 5) from its hash: the first 16 bytes, version 5, variant 10. */
const v5Text = (sha1Hex: string): string =>
  `${sha1Hex.slice(0, 8)}-${sha1Hex.slice(8, 12)}-5${sha1Hex.slice(13, 16)}-${(8 | (parseInt(sha1Hex[16]!, 16) & 3)).toString(16)}${sha1Hex.slice(17, 20)}-${sha1Hex.slice(20, 32)}`;

/** How a grant derives its users' event ids (see the top of this file). */
export type GrantEventIdScheme = 'grant-user' | 'name-sha1';

/** The scheme of grants created from now on. */
export const NEW_GRANT_SCHEME: GrantEventIdScheme = 'grant-user';

/**
 * The scheme whose grants' holds name the grant's code instead of the event id (grantHoldMember):
 * its event ids follow from the grant and the user, so the reconciler can name the request again.
 */
export const CODE_HOLDS_SCHEME: GrantEventIdScheme = 'grant-user';

/** The event ids of one grant's requests, by user, in the grant's scheme. */
export function grantEventIds(couponId: number, grantId: string, scheme: GrantEventIdScheme = NEW_GRANT_SCHEME): (userId: number) => string {
  return scheme === 'grant-user' ? grantUserIds(couponId, grantId) : nameSha1Ids(couponId, grantId);
}

/** The event id of the request a grant makes for a user. */
export const grantEventId = (couponId: number, grantId: string, userId: number, scheme: GrantEventIdScheme = NEW_GRANT_SCHEME): string =>
  grantEventIds(couponId, grantId, scheme)(userId);

const TWO_48 = 2 ** 48;

/**
 * 'grant-user' (RFC 9562 version 8): bits 0-47 and 52-63 the first 60 bits of SHA-256 of
 * `coupon-grant/<coupon>/<grant>`, version 8, variant 10, and the 62 remaining bits the user id
 * (a safe integer has 53), big-endian so the ids of a grant sort by user.
 */
function grantUserIds(couponId: number, grantId: string): (userId: number) => string {
  const prefix = grantUserPrefix(couponId, grantId);
  return (userId) => `${prefix}${(0x8000 | Math.floor(userId / TWO_48)).toString(16)}-${(userId % TWO_48).toString(16).padStart(12, '0')}`;
}

/** The first 19 characters of every event id of a 'grant-user' grant: the hash, and the version. */
function grantUserPrefix(couponId: number, grantId: string): string {
  const hash = crypto.hash('sha256', `coupon-grant/${couponId}/${grantId}`, 'hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(12, 15)}-`;
}

/**
 * The lowest and highest event id a 'grant-user' grant can give a user: the ledger rows between
 * them are the grant's requests (barring a collision of two grants' 60-bit hashes), read with a
 * range of the event-id indexes whatever the ledger's size. Undefined for 'name-sha1', whose ids
 * are spread over all UUIDs.
 */
export function grantEventIdRange(couponId: number, grantId: string, scheme: GrantEventIdScheme): { first: string; last: string } | undefined {
  if (scheme !== 'grant-user') return undefined;
  const prefix = grantUserPrefix(couponId, grantId);
  return { first: `${prefix}8000-000000000000`, last: `${prefix}bfff-ffffffffffff` };
}

/**
 * 'name-sha1': the v5 UUID of the name `<coupon>/<grant>/<user>` in GRANT_EVENT_NAMESPACE (what
 * uuid's v5() makes of it, a test holds them equal), with the constant part of the hashed bytes
 * written once and one hash call per user.
 */
function nameSha1Ids(couponId: number, grantId: string): (userId: number) => string {
  const head = Buffer.concat([NAMESPACE_BYTES, Buffer.from(`${couponId}/${grantId}/`)]);
  // A safe integer has at most 16 digits.
  const name = Buffer.alloc(head.length + 16);
  head.copy(name);
  return (userId) => v5Text(crypto.hash('sha1', name.subarray(0, head.length + name.write(String(userId), head.length, 'latin1')), 'hex'));
}
