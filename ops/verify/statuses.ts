/**
 * I5: every request the gateway answered 202 reaches a terminal status through the status API
 * within a bound (30 s) after the last fault ends — nobody stays PENDING. A tracker follows the
 * accepted requests while a run goes on (as clients polling their status would), so at the end
 * only the ones not yet settled are asked again until the deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AcceptedRequest } from './client-answers.ts';
import { mapLimit } from './concurrency.ts';
import type { InvariantResult } from './invariants.ts';
import { TERMINAL_OUTCOMES } from '../../schemas/outcomes.ts';

/** What `GET /api/coupons/:couponId/issue/:userId` answered (its `status` and `eventId`). */
export interface StatusAnswer {
  status: string;
  eventId?: string;
}

/** Reads one status; undefined when the gateway gave no usable answer (down, 5xx). */
export type StatusReader = (couponId: number, userId: number) => Promise<StatusAnswer | undefined>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_OUTCOMES);

/** The status API reports this request's own terminal outcome. */
export function isSettled(request: AcceptedRequest, answer: StatusAnswer | undefined): boolean {
  return answer !== undefined && TERMINAL.has(answer.status) && answer.eventId === request.eventId;
}

export const I5_BOUND_MS = 30_000;

export class StatusTracker {
  /** Not yet seen terminal, oldest first (Map keeps insertion order). */
  private readonly open = new Map<string, { request: AcceptedRequest; since: number }>();
  private tracked = 0;

  constructor(
    private readonly read: StatusReader,
    private readonly concurrency = 16,
    private readonly now: () => number = Date.now,
  ) {}

  add(request: AcceptedRequest): void {
    this.tracked++;
    this.open.set(request.eventId, { request, since: this.now() });
  }

  get unsettled(): number {
    return this.open.size;
  }

  get total(): number {
    return this.tracked;
  }

  /** Asks for up to `limit` of the oldest open requests that are at least `minAgeMs` old. */
  async sweep(limit: number, minAgeMs = 0): Promise<void> {
    const cutoff = this.now() - minAgeMs;
    const due: AcceptedRequest[] = [];
    for (const { request, since } of this.open.values()) {
      if (due.length >= limit || since > cutoff) break;
      due.push(request);
    }
    await mapLimit(due, this.concurrency, async (request) => {
      const answer = await this.read(request.couponId, request.userId).catch(() => undefined);
      if (isSettled(request, answer)) this.open.delete(request.eventId);
    });
  }

  /** Sweeps until everything settled or `deadline` (epoch ms) passes; returns what did not settle. */
  async settle(deadline: number, pauseMs = 500): Promise<AcceptedRequest[]> {
    for (;;) {
      await this.sweep(Number.POSITIVE_INFINITY);
      if (this.open.size === 0 || this.now() >= deadline) break;
      await sleep(pauseMs);
    }
    return [...this.open.values()].map((o) => o.request);
  }
}

export function i5Result(accepted: number, stuck: readonly AcceptedRequest[], boundMs = I5_BOUND_MS): InvariantResult {
  const sample = stuck.slice(0, 3).map((r) => `coupon ${r.couponId} user ${r.userId} (${r.eventId})`);
  return {
    name: 'I5',
    title: `every 202 reaches a terminal status through the status API within ${boundMs / 1000} s after the last fault`,
    held: stuck.length === 0,
    detail: `${accepted} accepted; ${stuck.length} not terminal in time${sample.length ? `: ${sample.join(', ')}` : ''}`,
  };
}
