/**
 * The admin API of bulk grants (README, "Bulk grants"; registered with the other admin routes,
 * behind the same bearer token):
 * `POST /api/admin/coupons/:id/grants[?grantId=<id>][&waitSeconds=<n>][&maxRate=<users/s>]` streams a user list
 * (CSV, NDJSON or one id per line; gzip accepted) into a grant and answers 202 once every
 * request is produced (or, with waitSeconds, once decided or when that time is up);
 * `GET /api/admin/grants[?coupon=<id>][&limit=<n>]` grants newest first;
 * `GET /api/admin/grants/:id` the grant's status and counts; `GET /api/admin/grants/:id/results`
 * the per-user result as CSV, streamed from Postgres.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { GatewayApp, GatewayDeps } from '../deps.ts';
import { ApiError, badRequest, unavailable } from '../errors.ts';
import { GateNotOpenError } from '../gate.ts';
import { grantFailureKind, isCorruptGzip } from '../grant/grant-failure.ts';
import { checkGrantId, InvalidGrantIdError } from '../grant/grant-id.ts';
import { InputTooLargeError } from '../grant/grant-input.ts';
import { GrantConflictError, GrantNotFoundError } from '../grant/grant-store.ts';
import { parsePathId } from '../validation.ts';

/** Body types streamed to the grant as they are (never buffered, never parsed by Fastify). */
export const GRANT_CONTENT_TYPES = ['text/csv', 'text/plain', 'application/x-ndjson', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];

/** The longest waitSeconds accepted. */
const MAX_WAIT_SECONDS = 600;

function grantIdOf(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return checkGrantId(String(raw));
  } catch (err) {
    if (err instanceof InvalidGrantIdError) throw badRequest('INVALID_GRANT_ID', err.message);
    throw err;
  }
}

function waitSecondsOf(raw: unknown): number {
  if (raw === undefined) return 0;
  const seconds = Number(raw);
  if (!/^\d+$/.test(String(raw)) || seconds > MAX_WAIT_SECONDS) throw badRequest('BAD_REQUEST', `waitSeconds must be an integer from 0 to ${MAX_WAIT_SECONDS}`);
  return seconds;
}

function maxRateOf(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(String(raw))) throw badRequest('BAD_REQUEST', 'maxRate must be a positive integer (users a second)');
  return Number(raw);
}

/** The most grants one listing answers. */
const MAX_LISTED = 500;

function limitOf(raw: unknown): number {
  if (raw === undefined) return 20;
  if (!/^[1-9]\d{0,2}$/.test(String(raw)) || Number(raw) > MAX_LISTED) throw badRequest('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LISTED}`);
  return Number(raw);
}

/** What a grant's failure means for the client: 503 for a transient one (send the same upload again), else the input's fault. */
function grantError(err: unknown, retryAfterSeconds: number): ApiError {
  if (err instanceof ApiError) return err;
  if (grantFailureKind(err) === 'transient') {
    if (err instanceof GateNotOpenError) return unavailable('GATE_NOT_OPEN', err.message, retryAfterSeconds, err);
    return unavailable('INTERNAL_ERROR', 'the grant stopped part way (Redis, Kafka or Postgres failed); send the same upload again: it resumes, and nothing is issued twice', retryAfterSeconds, err);
  }
  if (err instanceof InputTooLargeError) return new ApiError(413, 'GRANT_TOO_LARGE', err.message, { cause: err });
  if (err instanceof GrantConflictError) return new ApiError(409, 'GRANT_CONFLICT', err.message, { cause: err });
  if (err instanceof GrantNotFoundError) return new ApiError(404, 'COUPON_NOT_FOUND', err.message, { cause: err });
  if (err instanceof InvalidGrantIdError) return badRequest('INVALID_GRANT_ID', err.message);
  if (isCorruptGzip(err)) return badRequest('INVALID_GRANT_FILE', `the gzip body is corrupt: ${(err as Error).message}`);
  return badRequest('INVALID_GRANT_FILE', (err as Error).message);
}

export function grantRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { grants, config } = deps;
  app.addContentTypeParser(GRANT_CONTENT_TYPES, (_request, payload, done) => done(null, payload));

  app.post<{ Params: { id: string }; Querystring: { grantId?: string; waitSeconds?: string; maxRate?: string } }>('/api/admin/coupons/:id/grants', async (request, reply) => {
    const couponId = parsePathId(request.params.id, 'INVALID_COUPON_ID', 'id');
    const grantId = grantIdOf(request.query.grantId);
    const waitSeconds = waitSecondsOf(request.query.waitSeconds);
    const maxRate = maxRateOf(request.query.maxRate);
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as Partial<Readable>).pipe !== 'function') {
      throw new ApiError(415, 'UNSUPPORTED_CONTENT_TYPE', `send the users as a body of type ${GRANT_CONTENT_TYPES.join(', ')}`);
    }
    let report;
    try {
      report = await grants.upload(couponId, grantId, body, waitSeconds * 1000, maxRate);
    } catch (err) {
      throw grantError(err, config.retryAfterSeconds);
    }
    request.log.info({ couponId, grantId: report.grant.id, status: report.grant.status, users: report.progress.users }, 'grant uploaded');
    request.outcome = 'ACCEPTED';
    return reply.code(202).header('location', `/api/admin/grants/${report.grant.id}`).send(report);
  });

  const unreachable = (err: unknown): ApiError => unavailable('DATABASE_UNAVAILABLE', 'the database cannot be reached', config.retryAfterSeconds, err);

  const grantOf = async (raw: string) => {
    const id = grantIdOf(raw)!;
    try {
      return await grants.store.settle(id);
    } catch (err) {
      if (err instanceof GrantNotFoundError) throw new ApiError(404, 'GRANT_NOT_FOUND', err.message);
      throw unreachable(err);
    }
  };

  app.get<{ Querystring: { coupon?: string; limit?: string } }>('/api/admin/grants', async (request) => {
    const couponId = request.query.coupon === undefined ? undefined : parsePathId(request.query.coupon, 'INVALID_COUPON_ID', 'coupon');
    const limit = limitOf(request.query.limit);
    try {
      return { grants: await grants.store.list({ couponId, limit }) };
    } catch (err) {
      throw unreachable(err);
    }
  });

  app.get<{ Params: { id: string } }>('/api/admin/grants/:id', (request) => grantOf(request.params.id));

  app.get<{ Params: { id: string } }>('/api/admin/grants/:id/results', async (request, reply) => {
    const grant = await grantOf(request.params.id);
    const out = new PassThrough();
    grants.store.writeResults(grant.id, out).then(
      () => out.end(),
      (err: unknown) => {
        request.log.warn({ err, grantId: grant.id }, 'streaming the grant result failed');
        out.destroy(err as Error);
      },
    );
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="grant-${grant.id}.csv"`).send(out);
  });
}
