/**
 * `GET /api/coupons/:couponId/issue/:userId`: the request's status from Redis (PENDING with its
 * queue position, or the terminal status the processor published), else from the Postgres ledger
 * (status expired or Redis lost it; a bulk grant's users have none), else PENDING if a grant's
 * request holds the user, else NOT_REQUESTED. A PENDING that may be stale — its record
 * is below the processed watermark, or it is older than GATEWAY_STATUS_LEDGER_AFTER_MS — is
 * checked against the ledger, whose terminal outcome wins (docs/gate.md, "Status convergence").
 */
import type { GatewayApp, GatewayDeps } from '../deps.ts';
import { resolveUserId } from '../auth.ts';
import { unavailable } from '../errors.ts';
import type { LedgerEntry } from '../ledger.ts';
import { ledgerOverridesPending, pendingNeedsLedger, pendingPartition, viewOfLedgerEntry, viewOfRedisStatus, type PendingGrant, type StatusView } from '../request-status.ts';
import { parsePathId } from '../validation.ts';

export type IssueStatus = { couponId: number; userId: number } & StatusView;

export function statusRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { gate, ledger, config } = deps;

  app.get<{ Params: { couponId: string; userId: string } }>('/api/coupons/:couponId/issue/:userId', async (request): Promise<IssueStatus> => {
    const couponId = parsePathId(request.params.couponId, 'INVALID_COUPON_ID', 'couponId');
    const userId = resolveUserId(request.tokenUserId, parsePathId(request.params.userId, 'INVALID_USER_ID', 'userId'));

    let view: StatusView | undefined;
    let redisFailure: unknown;
    let stalePending = false;
    let grantId: string | undefined;
    try {
      const fields = await gate.status(couponId, userId);
      if (Object.keys(fields).length === 0) grantId = await gate.grantOf(couponId, userId);
      const partition = pendingPartition(fields);
      const watermark = partition === undefined ? undefined : await gate.watermark(partition);
      view = viewOfRedisStatus(fields, watermark);
      stalePending = pendingNeedsLedger(fields, watermark, Date.now(), config.statusLedgerAfterMs);
    } catch (err) {
      request.log.warn({ err, couponId, userId }, 'reading the status from Redis failed; asking the ledger');
      redisFailure = err;
    }
    if (view?.status === 'PENDING' && stalePending) {
      // The processor's status write may have been lost: the ledger is the truth.
      try {
        view = ledgerOverridesPending(view, await ledger.outcomeOf(couponId, userId)) ?? view;
      } catch (err) {
        request.log.warn({ err, couponId, userId }, 'checking a PENDING status against the ledger failed; answering from Redis');
      }
    }
    if (!view) {
      let entry: LedgerEntry | undefined;
      let grant: PendingGrant | undefined;
      try {
        entry = await ledger.outcomeOf(couponId, userId);
        if (!entry && grantId !== undefined) grant = { couponId, userId, grantId, eventIds: await ledger.grantEventIdScheme(grantId) };
      } catch (err) {
        throw unavailable('DATABASE_UNAVAILABLE', 'the request status cannot be read right now', config.retryAfterSeconds, err);
      }
      // Without Redis, "no outcome yet" may be a PENDING request: do not claim NOT_REQUESTED.
      if (!entry && redisFailure) throw unavailable('REDIS_UNAVAILABLE', 'the request status cannot be read right now', config.retryAfterSeconds, redisFailure);
      view = viewOfLedgerEntry(entry, grant);
    }
    request.outcome = view.status;
    return { couponId, userId, ...view };
  });
}
