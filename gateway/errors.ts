/**
 * Every answer that is not a success has one shape, `{ error: { code, message } }`: `code` is
 * stable and machine-readable, `message` is for humans. ApiError carries the HTTP status (and the
 * cause, for logs); toApiError maps anything thrown into one.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export type ErrorCode =
  // 400: the request itself is wrong.
  | 'INVALID_COUPON_ID'
  | 'INVALID_USER_ID'
  | 'INVALID_JSON'
  | 'MISSING_BODY'
  | 'INVALID_BODY'
  | 'UNKNOWN_FIELD'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'BODY_TOO_LARGE'
  | 'INVALID_PATH'
  | 'INVALID_NAME'
  | 'INVALID_TOTAL_QUANTITY'
  | 'INVALID_WINDOW'
  | 'BAD_REQUEST'
  | 'INVALID_GRANT_ID'
  | 'INVALID_GRANT_FILE'
  | 'GRANT_TOO_LARGE'
  // 401 / 403: who is asking.
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  // 404 / 409: business answers.
  | 'NOT_FOUND'
  | 'COUPON_NOT_FOUND'
  | 'COUPON_NOT_ACTIVE'
  | 'ALREADY_REQUESTED'
  | 'SOLD_OUT'
  | 'GRANT_NOT_FOUND'
  | 'GRANT_CONFLICT'
  // 429: this client sent too many requests; Retry-After says when to try again.
  | 'RATE_LIMITED'
  // 503: a dependency cannot take the request right now; retrying later is the right move.
  | 'REDIS_UNAVAILABLE'
  // The coupon exists but its gate is not open (Redis lost it and it is being rebuilt, or it
  // could not be opened when the coupon was created): not a 404, the coupon will take requests.
  | 'GATE_NOT_OPEN'
  | 'KAFKA_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'AUTH_UNAVAILABLE'
  | 'NOT_READY'
  | 'SHUTTING_DOWN'
  | 'INTERNAL_ERROR'
  // 504: the request may or may not have been queued; its status says which later.
  | 'OUTCOME_UNKNOWN';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export interface ApiErrorOptions extends ErrorOptions {
  /** For 429 and 503: seconds a client should wait before retrying (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** For 401: the WWW-Authenticate challenge. */
  challenge?: string;
}

export class ApiError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly challenge: string | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.challenge = options.challenge;
  }

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (code: ErrorCode, message: string): ApiError => new ApiError(400, code, message);

export const unavailable = (code: ErrorCode, message: string, retryAfterSeconds: number, cause: unknown): ApiError =>
  new ApiError(503, code, message, { retryAfterSeconds, cause });

/** Fastify's own errors (body parsing, routing) that a client can provoke, as API errors. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_CONTENT_TYPE', message: 'the body must be sent as Content-Type: application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MISSING_BODY', message: 'the request has Content-Type application/json but no body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'the body is not valid JSON (or uses a forbidden key such as __proto__)' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'the body is larger than this endpoint accepts' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'Content-Length does not match the body' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'INVALID_PATH', message: 'a path parameter is too long' },
  FST_ERR_BAD_URL: { code: 'INVALID_PATH', message: 'the URL cannot be decoded' },
};

/**
 * Anything thrown while handling a request, as the ApiError to answer with. Unknown errors become
 * a 500 whose message says nothing about internals (the cause is kept for the log).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const { code, statusCode } = (err ?? {}) as { code?: unknown; statusCode?: unknown };
  const known = typeof code === 'string' ? FRAMEWORK_ERRORS[code] : undefined;
  if (known) return new ApiError(400, known.code, known.message, { cause: err });
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Another client error Fastify detected: keep its status, name it generically.
    return new ApiError(statusCode, 'BAD_REQUEST', err instanceof Error ? err.message : 'bad request', { cause: err });
  }
  return new ApiError(500, 'INTERNAL_ERROR', 'internal error', { cause: err });
}

/** Answers with an ApiError (status, headers, body) and tags the request's metrics outcome. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  request.outcome = error.code;
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (error.challenge !== undefined) reply.header('www-authenticate', error.challenge);
  return reply.code(error.status).send(error.body);
}
