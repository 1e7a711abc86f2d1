import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './errors.ts';

const fastifyError = (code: string, statusCode: number): Error => Object.assign(new Error(code), { code, statusCode });

describe('toApiError', () => {
  it('passes ApiErrors through', () => {
    const err = new ApiError(409, 'SOLD_OUT', 'sold out');
    expect(toApiError(err)).toBe(err);
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_CONTENT_TYPE'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'MISSING_BODY'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'INVALID_JSON'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'BODY_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'BAD_REQUEST'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'INVALID_PATH'],
    ['FST_ERR_BAD_URL', 400, 'INVALID_PATH'],
  ])('maps %s to a 400 %s', (fastifyCode, status, code) => {
    const mapped = toApiError(fastifyError(fastifyCode, status));
    expect(mapped.status).toBe(400);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBeInstanceOf(Error);
  });

  it('keeps the status of other client errors', () => {
    const mapped = toApiError(fastifyError('FST_ERR_SOMETHING_NEW', 405));
    expect([mapped.status, mapped.code]).toEqual([405, 'BAD_REQUEST']);
  });

  it('hides unknown failures behind a 500 that keeps the cause', () => {
    const boom = new TypeError('x is undefined');
    const mapped = toApiError(boom);
    expect([mapped.status, mapped.code, mapped.message]).toEqual([500, 'INTERNAL_ERROR', 'internal error']);
    expect(mapped.cause).toBe(boom);
    expect(toApiError(undefined).status).toBe(500);
    expect(toApiError('a string').status).toBe(500);
  });

  it('has one body shape', () => {
    expect(new ApiError(400, 'INVALID_USER_ID', 'bad').body).toEqual({ error: { code: 'INVALID_USER_ID', message: 'bad' } });
  });
});
