/**
 * Continuous HTTP load: `rate` requests per second, each from a new user, most of them for one
 * coupon too large to sell out and some for small coupons that do sell out (so a 202 that ends
 * SOLD_OUT would show). Every answer is recorded; accepted requests go to the status tracker.
 * Requests that would exceed `maxInFlight` are not sent (counted as shed): the load never queues
 * up behind a dead gateway.
 */
import type { AcceptedRequest, IssueAnswer } from '../verify/client-answers.ts';
import type { StatusAnswer } from '../verify/statuses.ts';

export interface LoadSettings {
  baseUrl: string;
  rate: number;
  bigCouponId: number;
  /** Small coupons in the order they are used, each for `perSmallCoupon` requests. */
  smallCouponIds: readonly number[];
  perSmallCoupon: number;
  /** Share of requests that go to the small coupons. */
  smallShare: number;
  maxInFlight: number;
  timeoutMs: number;
}

/** Which coupon request n (0-based) goes to: every 1/smallShare-th to the current small coupon. */
export function couponFor(n: number, s: Pick<LoadSettings, 'bigCouponId' | 'smallCouponIds' | 'perSmallCoupon' | 'smallShare'>): number {
  const every = s.smallShare > 0 ? Math.round(1 / s.smallShare) : 0;
  if (every === 0 || n % every !== every - 1 || s.smallCouponIds.length === 0) return s.bigCouponId;
  const k = Math.floor(n / every);
  const index = Math.floor(k / s.perSmallCoupon);
  return s.smallCouponIds[index] ?? s.bigCouponId;
}

/** Sends one issue request and turns whatever happens into an answer (status 0 for no answer). */
export async function issue(baseUrl: string, couponId: number, userId: number, timeoutMs: number): Promise<IssueAnswer> {
  try {
    const response = await fetch(`${baseUrl}/api/coupons/${couponId}/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { eventId?: string; error?: { code?: string } };
    return { couponId, userId, status: response.status, eventId: body.eventId, code: body.error?.code };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { couponId, userId, status: 0, code: cause?.code ?? (err as Error).name };
  }
}

export class Load {
  readonly answers: IssueAnswer[] = [];
  shed = 0;
  private sent = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  lastAnswerAt = 0;

  constructor(
    private readonly settings: LoadSettings,
    private readonly onAccepted: (request: AcceptedRequest) => void,
  ) {}

  get requests(): number {
    return this.sent;
  }

  start(): void {
    const tickMs = 50;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += (this.settings.rate * tickMs) / 1000;
      for (; owed >= 1; owed--) this.fire();
    }, tickMs);
  }

  private fire(): void {
    if (this.inFlight >= this.settings.maxInFlight) {
      this.shed++;
      return;
    }
    const n = this.sent++;
    const userId = n + 1;
    const couponId = couponFor(n, this.settings);
    this.inFlight++;
    const p = issue(this.settings.baseUrl, couponId, userId, this.settings.timeoutMs).then((answer) => {
      this.inFlight--;
      this.lastAnswerAt = Date.now();
      this.answers.push(answer);
      if (answer.status === 202 && answer.eventId) this.onAccepted({ couponId, userId, eventId: answer.eventId });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Stops sending and waits for the answers of requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }
}

/** The status API's answer for a user, or undefined when the gateway gave no usable answer. */
export async function readStatus(baseUrl: string, couponId: number, userId: number): Promise<StatusAnswer | undefined> {
  const response = await fetch(`${baseUrl}/api/coupons/${couponId}/issue/${userId}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { status?: string; eventId?: string };
  return body.status ? { status: body.status, eventId: body.eventId } : undefined;
}
