/**
 * `POST /api/coupons/:couponId/issue`: validate → gate (one Redis script) → produce (await the
 * delivery report) → record the offset (one Redis script) → 202 with the queue position. A failed produce undoes the reservation (one
 * script) and answers 503, so nothing half-reserved is left behind.
 */
import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import type { GatewayApp, GatewayDeps } from '../app.ts';
import { resolveUserId } from '../auth.ts';
import { ApiError, sendError, unavailable } from '../errors.ts';
import type { ReserveOutcome } from '../gate.ts';
import { queuePosition } from '../position.ts';
import type { ProducedAt } from '../request-producer.ts';
import { parseIssueBody, parsePathId } from '../validation.ts';

/** The gate's refusals. Allocated once: during a sell-out they are most of the answers. */
const REFUSALS: Record<Exclude<ReserveOutcome, 'RESERVED'>, ApiError> = {
  COUPON_NOT_FOUND: new ApiError(404, 'COUPON_NOT_FOUND', 'the coupon does not exist'),
  COUPON_NOT_ACTIVE: new ApiError(409, 'COUPON_NOT_ACTIVE', 'the coupon cannot be requested now: outside its issuance window'),
  ALREADY_REQUESTED: new ApiError(409, 'ALREADY_REQUESTED', 'this user has already requested the coupon'),
  SOLD_OUT: new ApiError(409, 'SOLD_OUT', 'the coupon is sold out'),
};

export interface IssueAccepted {
  eventId: string;
  status: 'PENDING';
  position: number;
}

export function issueRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { gate, producer, watermarks, metrics, config } = deps;
  const gateStage = metrics.stage.labels('gate');
  const produceStage = metrics.stage.labels('produce');
  const recordStage = metrics.stage.labels('record');

  app.post<{ Params: { couponId: string } }>('/api/coupons/:couponId/issue', async (request, reply) => {
    const couponId = parsePathId(request.params.couponId, 'INVALID_COUPON_ID', 'couponId');
    const userId = resolveUserId(request.tokenUserId, parseIssueBody(request.body));
    const eventId = uuidv7();
    const requestedAt = Date.now();

    let started = performance.now();
    let outcome: ReserveOutcome;
    try {
      outcome = await gate.reserve(couponId, userId, eventId, requestedAt);
    } catch (err) {
      throw unavailable('REDIS_UNAVAILABLE', 'the gate (Redis) cannot take requests right now', config.retryAfterSeconds, err);
    }
    gateStage.observe((performance.now() - started) / 1000);
    if (outcome !== 'RESERVED') return sendError(request, reply, REFUSALS[outcome]);

    started = performance.now();
    let at: ProducedAt;
    try {
      at = await producer.send({ eventId, couponId, userId, requestedAt });
    } catch (err) {
      await gate.release(couponId, userId, eventId).catch((releaseErr: unknown) => {
        // Redis failed right after Kafka did: the unit stays reserved (counted, never issued).
        request.log.error({ err: releaseErr, couponId, userId, eventId }, 'could not release the reservation of a request that was not produced');
      });
      throw unavailable('KAFKA_UNAVAILABLE', 'the request could not be queued (Kafka); it was not accepted, try again later', config.retryAfterSeconds, err);
    }
    produceStage.observe((performance.now() - started) / 1000);

    // The request is accepted from here on: failing to record its offset only costs the status
    // endpoint the position (it still answers PENDING).
    started = performance.now();
    try {
      await gate.recordPosition(couponId, userId, eventId, at.partition, at.offset);
    } catch (err) {
      request.log.warn({ err, couponId, userId, eventId }, 'could not record the offset of an accepted request');
    }
    recordStage.observe((performance.now() - started) / 1000);

    request.outcome = 'ACCEPTED';
    const accepted: IssueAccepted = { eventId, status: 'PENDING', position: queuePosition(at.offset, watermarks.get(at.partition)) };
    return reply.code(202).send(accepted);
  });
}
