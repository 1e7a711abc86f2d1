/**
 * Who may call what: the admin API behind one static bearer token, and (optionally) end users
 * identified by the `sub` of a verified JWT (HS256 secret or a JWKS endpoint).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { UserAuthConfig } from './config.ts';
import { ApiError } from './errors.ts';

const CHALLENGE = 'Bearer realm="coupon-gateway"';

function unauthorized(message: string, cause?: unknown): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', message, { cause, challenge: cause ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE });
}

/** The token of an `Authorization: Bearer <token>` header, or undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Checks the admin token in constant time: both sides are hashed first, so neither the content nor
 * the length of the configured token leaks through timing.
 */
export class AdminGuard {
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.expected = token === undefined ? undefined : digest(token);
  }

  /** Throws a 401 ApiError unless the header carries the admin token. */
  check(authorization: string | undefined): void {
    if (!this.expected) throw unauthorized('the admin API is disabled: ADMIN_TOKEN is not configured');
    const token = bearerToken(authorization);
    if (token === undefined) throw unauthorized('an admin bearer token is required');
    if (!timingSafeEqual(digest(token), this.expected)) throw unauthorized('the admin token is wrong', new Error('token mismatch'));
  }
}

/** A token's `sub` as a user id: the canonical decimal form of a positive safe integer. */
export function subjectUserId(sub: unknown): number | undefined {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,15}$/.test(sub)) return undefined;
  const id = Number(sub);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The user a request acts for. Without end-user tokens (`tokenUserId` null) it is the one the
 * request names; with them, the token's, and naming anybody else is forbidden.
 */
export function resolveUserId(tokenUserId: number | null, namedUserId: number | undefined): number {
  if (tokenUserId === null) {
    if (namedUserId === undefined) throw new ApiError(400, 'INVALID_USER_ID', 'userId is required');
    return namedUserId;
  }
  if (namedUserId !== undefined && namedUserId !== tokenUserId) throw new ApiError(403, 'FORBIDDEN', `the token belongs to user ${tokenUserId}, not to user ${namedUserId}`);
  return tokenUserId;
}

/** Errors that mean "we could not fetch the keys", not "the token is bad". */
const KEY_SOURCE_FAILURES = new Set([joseErrors.JWKSTimeout.code, joseErrors.JWKSInvalid.code]);

export class UserAuthenticator {
  private constructor(
    private readonly verify: (token: string) => Promise<JWTPayload>,
    private readonly retryAfterSeconds: number,
  ) {}

  /** Undefined when end-user tokens are not configured (the body's userId is trusted then). */
  static fromConfig(config: UserAuthConfig, retryAfterSeconds: number): UserAuthenticator | undefined {
    if (config.kind === 'none') return undefined;
    const options = { ...(config.issuer && { issuer: config.issuer }), ...(config.audience && { audience: config.audience }) };
    if (config.kind === 'secret') {
      const secret = new TextEncoder().encode(config.secret);
      return new UserAuthenticator(async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload, retryAfterSeconds);
    }
    const keys = createRemoteJWKSet(config.url);
    return new UserAuthenticator(async (token) => (await jwtVerify(token, keys, options)).payload, retryAfterSeconds);
  }

  /** The verified token's user id; throws 401 (no, bad or expired token) or 503 (keys unavailable). */
  async userIdOf(authorization: string | undefined): Promise<number> {
    const token = bearerToken(authorization);
    if (token === undefined) throw unauthorized('a bearer token is required');
    let sub: unknown;
    try {
      sub = (await this.verify(token)).sub;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired', err);
      if (err instanceof joseErrors.JOSEError && !KEY_SOURCE_FAILURES.has(err.code)) throw unauthorized(`the token is not valid: ${err.message}`, err);
      throw new ApiError(503, 'AUTH_UNAVAILABLE', 'the token cannot be verified right now', { cause: err, retryAfterSeconds: this.retryAfterSeconds });
    }
    const userId = subjectUserId(sub);
    if (userId === undefined) throw unauthorized('the token subject (sub) is not a user id', new Error(`sub is ${JSON.stringify(sub)}`));
    return userId;
  }
}
