/**
 * Prometheus metrics of bulk grants, registered on the registry of whoever runs them: the
 * gateway (its /metrics) or the operator CLI (`ops grant --metrics-port`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A batch of thousands of users takes tens of milliseconds to seconds. */
const BATCH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Where a grant's users went; the labels of coupon_grant_users_total. */
export const GRANT_USER_STAGES = ['read', 'invalid', 'already_decided', 'reserved', 'held', 'refused', 'produced', 'decided'] as const;
export type GrantUserStage = (typeof GRANT_USER_STAGES)[number];

/** The steps of a batch; the labels of coupon_grant_batch_duration_seconds. */
export const GRANT_BATCH_STEPS = ['ledger', 'gate', 'roster', 'produce', 'confirm'] as const;
export type GrantBatchStep = (typeof GRANT_BATCH_STEPS)[number];

export interface GrantMetrics {
  users: Counter<'stage'>;
  batchStep: Histogram<'step'>;
  running: Gauge;
}

export function createGrantMetrics(registry: Registry): GrantMetrics {
  const users = new Counter({
    name: 'coupon_grant_users_total',
    help: 'Users of bulk grants by stage: read (valid lines), invalid (lines skipped), already_decided (ledger had the request: nothing to do), reserved / held (at the gate; held = this request already held the unit), refused (by the gate), produced, decided',
    labelNames: ['stage'],
    registers: [registry],
  });
  for (const stage of GRANT_USER_STAGES) users.labels(stage).inc(0);
  return {
    users,
    batchStep: new Histogram({
      name: 'coupon_grant_batch_duration_seconds',
      help: 'Time of each step of a bulk grant batch: ledger (already decided?), gate (reserve-many script), roster (Postgres), produce (until every delivery report), confirm (holds)',
      labelNames: ['step'],
      buckets: BATCH_BUCKETS,
      registers: [registry],
    }),
    running: new Gauge({ name: 'coupon_grants_running', help: 'Bulk grants being uploaded by this process', registers: [registry] }),
  };
}
