/**
 * `POST /api/coupons/:couponId/issue`: validate → gate (one Redis script: reserve and hold) →
 * produce (await the delivery report) → 202 with the queue position, and confirm in the
 * background (one Redis script: settle the hold, record the offset). What a failure means depends on what is known
 * (docs/gate.md):
 * - the reserve's reply never came: 503, and the reservation is released in the background
 *   (the script may still run later);
 * - the produce failed for certain: the reservation is released, 503;
 * - the produce's outcome is unknown (its record may have been written): nothing is released,
 *   504 OUTCOME_UNKNOWN; the reconciler settles the hold by evidence;
 * - the gate does not know the coupon but Postgres does (Redis lost the gate, the reconciler is
 *   rebuilding it): 503 GATE_NOT_OPEN, not 404 — the coupon exists and will take requests.
 */
import { performance } from 'node:perf_hooks';
import type { GatewayApp, GatewayDeps } from '../deps.ts';
import { resolveUserId } from '../auth.ts';
import { ApiError, sendError, unavailable } from '../errors.ts';
import { EventIds } from '../event-id.ts';
import { KnownCoupons } from '../known-coupons.ts';
import type { Reservation, ReserveOutcome } from '../gate.ts';
import { queuePosition } from '../position.ts';
import { ProduceError, type ProducedAt } from '../request-producer.ts';
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

/** Serializes the 202 answer with a compiled serializer (fast-json-stringify) instead of JSON.stringify. */
const ACCEPTED_SCHEMA = {
  type: 'object',
  properties: { eventId: { type: 'string' }, status: { type: 'string' }, position: { type: 'integer' } },
  required: ['eventId', 'status', 'position'],
} as const;

export function issueRoutes(app: GatewayApp, deps: GatewayDeps): void {
  const { gate, producer, watermarks, metrics, config, releases, ledger } = deps;
  const coupons = new KnownCoupons((couponId) => ledger.couponExists(couponId));
  const gateStage = metrics.stage.labels('gate');
  const produceStage = metrics.stage.labels('produce');
  // The hold is settled once it is older than the settle bound, at the reconciler's next run.
  const settledWithinSeconds = Math.ceil((config.holdSettleMs + config.reconcileIntervalMs) / 1000);
  const eventIds = new EventIds();

  app.post<{ Params: { couponId: string } }>('/api/coupons/:couponId/issue', { schema: { response: { 202: ACCEPTED_SCHEMA } } }, async (request, reply) => {
    const couponId = parsePathId(request.params.couponId, 'INVALID_COUPON_ID', 'couponId');
    const userId = resolveUserId(request.tokenUserId, parseIssueBody(request.body));
    const eventId = eventIds.next();

    let started = performance.now();
    let reservation: Reservation;
    try {
      reservation = await gate.reserve(couponId, userId, eventId);
    } catch (err) {
      // The script may still run (Redis stalled) or may have run (reply lost): undo it if it does.
      void releases.start(couponId, userId, eventId);
      throw unavailable('REDIS_UNAVAILABLE', 'the gate (Redis) cannot take requests right now', config.retryAfterSeconds, err);
    }
    gateStage.observe((performance.now() - started) / 1000);
    const { outcome, at: requestedAt } = reservation;
    if (outcome === 'COUPON_NOT_FOUND') await refuseUnknownCoupon(couponId);
    if (outcome !== 'RESERVED') return sendError(request, reply, REFUSALS[outcome]);

    started = performance.now();
    let at: ProducedAt;
    try {
      at = await producer.send({ eventId, couponId, userId, requestedAt });
    } catch (err) {
      if (err instanceof ProduceError && err.failure === 'NOT_QUEUED') {
        if (!(await releases.start(couponId, userId, eventId))) {
          request.log.warn({ couponId, userId, eventId }, 'the reservation of a request that was not produced is not released yet; retrying in the background');
        }
        throw unavailable('KAFKA_UNAVAILABLE', 'the request could not be queued (Kafka); it was not accepted, try again later', config.retryAfterSeconds, err);
      }
      throw new ApiError(504, 'OUTCOME_UNKNOWN', `the request may or may not have been queued (Kafka did not confirm it in time); its status will say which within ${settledWithinSeconds} s`, { cause: err });
    }
    produceStage.observe((performance.now() - started) / 1000);

    // The request is accepted from here on: its record is in Kafka. The confirm is not waited
    // for: failing it only costs the status endpoint the position (it still answers PENDING) and
    // leaves the hold to the reconciler, which will find the record in Kafka or its outcome in the
    // ledger. Waiting cost every 202 a Redis round trip. Its time and failures are reported by the
    // gate (buildGateway's ConfirmReport).
    gate.confirm(couponId, userId, eventId, at);

    request.outcome = 'ACCEPTED';
    const accepted: IssueAccepted = { eventId, status: 'PENDING', position: queuePosition(at.offset, watermarks.get(at.partition)) };
    return reply.code(202).send(accepted);
  });

  /** Throws 503 unless the coupon the gate does not know is unknown to Postgres too (then the caller answers 404). */
  async function refuseUnknownCoupon(couponId: number): Promise<void> {
    let exists: boolean;
    try {
      exists = await coupons.has(couponId);
    } catch (err) {
      throw unavailable('DATABASE_UNAVAILABLE', 'the gate does not know the coupon, and whether it exists cannot be read right now', config.retryAfterSeconds, err);
    }
    if (exists) throw unavailable('GATE_NOT_OPEN', `coupon ${couponId} exists, but its gate is not open yet (it is being rebuilt); try again`, config.retryAfterSeconds, undefined);
  }
}
