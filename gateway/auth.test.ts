import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { AdminGuard, bearerToken, resolveUserId, subjectUserId, UserAuthenticator } from './auth.ts';
import { ApiError } from './errors.ts';

function failure(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s -> %s', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('AdminGuard', () => {
  const guard = new AdminGuard('the-admin-token-0123');

  it('lets the right token through', () => {
    expect(() => guard.check('Bearer the-admin-token-0123')).not.toThrow();
  });

  it.each([undefined, 'Bearer wrong', 'Bearer the-admin-token-01234', 'Basic the-admin-token-0123', 'the-admin-token-0123'])('refuses %s with 401', (header) => {
    const err = failure(() => guard.check(header));
    expect([err.status, err.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(err.challenge).toMatch(/^Bearer/);
  });

  it('refuses everything when no token is configured', () => {
    expect(failure(() => new AdminGuard(undefined).check('Bearer anything')).status).toBe(401);
  });
});

describe('subjectUserId', () => {
  it.each([
    ['7', 7],
    ['9007199254740991', 9007199254740991],
    ['0', undefined],
    ['-7', undefined],
    ['07', undefined],
    ['user-7', undefined],
    ['9007199254740992', undefined],
    [7, undefined],
    [undefined, undefined],
  ])('%s -> %s', (sub, id) => {
    expect(subjectUserId(sub)).toBe(id);
  });
});

describe('resolveUserId', () => {
  it('takes the named user when there are no tokens', () => {
    expect(resolveUserId(null, 5)).toBe(5);
    expect(failure(() => resolveUserId(null, undefined)).code).toBe('INVALID_USER_ID');
  });

  it("takes the token's user and refuses anybody else", () => {
    expect(resolveUserId(5, undefined)).toBe(5);
    expect(resolveUserId(5, 5)).toBe(5);
    const err = failure(() => resolveUserId(5, 6));
    expect([err.status, err.code]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('UserAuthenticator (HS256)', () => {
  const secret = 'a-secret-of-at-least-32-characters!!';
  const auth = UserAuthenticator.fromConfig({ kind: 'secret', secret, issuer: 'shop', audience: undefined }, 1)!;
  const sign = (claims: { sub?: string; iss?: string; exp?: number }, key = secret, alg = 'HS256'): Promise<string> => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg }).setIssuedAt();
    if (claims.sub !== undefined) jwt.setSubject(claims.sub);
    if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
    jwt.setExpirationTime(claims.exp ?? '5m');
    return jwt.sign(new TextEncoder().encode(key));
  };
  const rejection = async (header: string | undefined): Promise<ApiError> => {
    const err = await auth.userIdOf(header).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  };

  it('is absent when not configured', () => {
    expect(UserAuthenticator.fromConfig({ kind: 'none' }, 1)).toBeUndefined();
  });

  it('returns the user of a valid token', async () => {
    expect(await auth.userIdOf(`Bearer ${await sign({ sub: '42', iss: 'shop' })}`)).toBe(42);
  });

  it('refuses missing, forged, expired, foreign-issuer and non-numeric-subject tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = [
      undefined,
      'Bearer not.a.jwt',
      `Bearer ${await sign({ sub: '42', iss: 'shop' }, 'another-secret-of-at-least-32-chars!')}`,
      `Bearer ${await sign({ sub: '42', iss: 'shop', exp: now - 60 })}`,
      `Bearer ${await sign({ sub: '42', iss: 'elsewhere' })}`,
      `Bearer ${await sign({ sub: 'alice', iss: 'shop' })}`,
      `Bearer ${await sign({ iss: 'shop' })}`,
      `Bearer ${await sign({ sub: '42', iss: 'shop' }, secret, 'HS512')}`,
    ];
    for (const header of headers) {
      const err = await rejection(header);
      expect([err.status, err.code], String(header)).toEqual([401, 'UNAUTHORIZED']);
    }
    expect((await rejection(`Bearer ${await sign({ sub: '42', iss: 'shop', exp: now - 60 })}`)).message).toMatch(/expired/);
  });
});
