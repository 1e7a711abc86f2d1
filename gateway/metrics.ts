/**
 * Prometheus metrics of one gateway instance, on a registry of its own (several apps in one test
 * process must not collide in prom-client's global registry).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createGrantMetrics, type GrantMetrics } from './grant/grant-metrics.ts';
import { LeanHistogram } from './lean-histogram.ts';

/** 1 ms to 10 s: the answer of a healthy gate is a few ms, a producer timeout several seconds. */
const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  registry: Registry;
  /** Answers by route template, outcome (see outcomeLabel) and HTTP status. */
  requests: Counter<'route' | 'outcome' | 'status'>;
  /** Observed on every answer and three times per issue request: cheap histograms (lean-histogram.ts). */
  duration: LeanHistogram<'route'>;
  /** Where an issue request's time goes: the gate script, the produce round trip, recording the offset. */
  stage: LeanHistogram<'stage'>;
  /** 1 when the dependency answered the last check (run on every scrape, like /readyz), else 0. */
  dependencyUp: Gauge<'dependency'>;
  /** Holds the reconciler settled by evidence: confirmed (the record reached Kafka) or released. */
  holdsSettled: Counter<'result'>;
  /** Gates of live coupons the reconciler rebuilt after they went missing (Redis lost its data). */
  gatesRebuilt: Counter<'result'>;
  /** The periodic reconciler's passes by result (reconcile/periodic.ts; the CouponReconcilerNotCompleting alert). */
  reconcilePasses: Counter<'result'>;
  /** Per live coupon: the gate's reserved units minus what Postgres + Kafka account for (the CouponGateDrift alert). */
  gateDrift: Gauge<'coupon'>;
  /** Bulk grants run by this gateway (grant/grant-metrics.ts). */
  grants: GrantMetrics;
  /** Requests refused with 429, by the limit that refused them (ip, user). */
  rateLimited: Counter<'scope'>;
}

/**
 * The one spelling of outcome labels across services: lower snake case, like the processor's
 * (`issued`, `dead_letter`). The gateway's outcomes are its answer codes (ACCEPTED, SOLD_OUT, the
 * status a lookup found ...), so `SOLD_OUT` becomes `sold_out`.
 */
export const outcomeLabel = (code: string): string => code.toLowerCase();

/**
 * Counts and times each answer on series bound once per label combination: prom-client's
 * `labels()` validates and hashes its arguments on every call, a measurable share of a request's
 * CPU at ten thousand answers a second. The combinations are few (route templates, answer codes,
 * statuses), so the caches stay small.
 */
export class AnswerMeter {
  private readonly counted = new Map<string, Counter.Internal>();

  constructor(private readonly metrics: Pick<GatewayMetrics, 'requests' | 'duration'>) {}

  record(route: string, code: string, status: number, seconds: number): void {
    const key = `${route} ${code} ${status}`;
    let counter = this.counted.get(key);
    if (!counter) {
      counter = this.metrics.requests.labels(route, outcomeLabel(code), String(status));
      this.counted.set(key, counter);
    }
    counter.inc();
    this.metrics.duration.labels(route).observe(seconds);
  }
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'coupon_gateway_requests_total',
      help: 'HTTP requests answered, by route template, outcome (accepted, sold_out, already_requested, issued, ..., ok, error) and HTTP status',
      labelNames: ['route', 'outcome', 'status'],
      registers: [registry],
    }),
    duration: new LeanHistogram({
      name: 'coupon_gateway_request_duration_seconds',
      help: 'Time from receiving a request to answering it, by route template',
      labelName: 'route',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    stage: new LeanHistogram({
      name: 'coupon_gateway_stage_duration_seconds',
      help: 'Time of each step of an issue request: gate (Redis script), produce (until the delivery report), record (offset to Redis, in the background once answered)',
      labelName: 'stage',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'coupon_gateway_dependency_up',
      help: 'Whether the dependency (redis, kafka, registry) answered the check made at this scrape: 1 yes, 0 no',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    holdsSettled: new Counter({
      name: 'coupon_gateway_holds_settled_total',
      help: 'Holds (units reserved for requests nobody confirmed) settled by the reconciler, by result: confirmed (record found in Kafka or the ledger) or released',
      labelNames: ['result'],
      registers: [registry],
    }),
    gatesRebuilt: new Counter({
      name: 'coupon_gateway_gates_rebuilt_total',
      help: 'Gates of live coupons the reconciler found missing for longer than the settle bound, by result: rebuilt from Postgres and Kafka, or busy (tried again next pass)',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcilePasses: new Counter({
      name: 'coupon_gateway_reconcile_passes_total',
      help: "The gateway's periodic reconcile passes, by result: completed (held the lock and finished), skipped (another instance held the lock), failed (an error, logged), abandoned (still running when its lock expired: left behind, a new pass started)",
      labelNames: ['result'],
      registers: [registry],
    }),
    gateDrift: new Gauge({
      name: 'coupon_gate_drift_units',
      help: "Per live coupon, measured by the gateway's reconciler every GATEWAY_DRIFT_CHECK_INTERVAL_MS: the gate's reserved units minus what Postgres + Kafka account for (0 = in step; coupons whose gate moved while measured keep their last value)",
      labelNames: ['coupon'],
      registers: [registry],
    }),
    grants: createGrantMetrics(registry),
    rateLimited: new Counter({
      name: 'coupon_gateway_rate_limited_total',
      help: "Public API requests refused with 429 by this gateway process's per-client token buckets, by scope: ip (client address) or user (authenticated user)",
      labelNames: ['scope'],
      registers: [registry],
    }),
  };
}
