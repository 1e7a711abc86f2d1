/**
 * The fault plan: how many faults of each kind a run of N minutes injects and when. Quick faults
 * (a SIGKILL, a stall) happen at their random moments on one lane; faults that need a recovery
 * (a broker, Redis, Postgres or the registry going down and coming back) run one after another on
 * a second lane in random order, each starting at its random moment or when the previous one has
 * recovered, so two of them never overlap (two brokers down would be an outage, not a fault).
 */
import type { Random } from './random.ts';

export const QUICK_KINDS = ['processor_kill', 'gateway_kill', 'redis_stall'] as const;
export const RECOVERING_KINDS = ['broker_stop', 'broker_kill', 'redis_data_loss', 'postgres_restart', 'postgres_freeze', 'postgres_error', 'registry_restart'] as const;
export type FaultKind = (typeof QUICK_KINDS)[number] | (typeof RECOVERING_KINDS)[number];

/** Per minute of run, and the least a run injects of each kind (the short form's "a few"). */
export const FAULT_RATES: Record<FaultKind, { perMinute: number; atLeast: number }> = {
  processor_kill: { perMinute: 5.5, atLeast: 4 },
  gateway_kill: { perMinute: 0.5, atLeast: 2 },
  redis_stall: { perMinute: 1, atLeast: 2 },
  broker_stop: { perMinute: 0.35, atLeast: 1 },
  broker_kill: { perMinute: 0.35, atLeast: 1 },
  redis_data_loss: { perMinute: 0.1, atLeast: 1 },
  postgres_restart: { perMinute: 0.15, atLeast: 1 },
  postgres_freeze: { perMinute: 0.15, atLeast: 1 },
  postgres_error: { perMinute: 0.3, atLeast: 2 },
  registry_restart: { perMinute: 0.1, atLeast: 1 },
};

/**
 * The part a fault acts on where the two lanes could meet: faults on the same part take turns (a
 * stall of a Redis that a data loss has killed would fail to inject).
 */
export const FAULT_PART: Partial<Record<FaultKind, 'redis'>> = { redis_stall: 'redis', redis_data_loss: 'redis' };

export interface PlannedFault {
  kind: FaultKind;
  /** Milliseconds after the load started. */
  atMs: number;
}

export interface FaultPlan {
  quick: PlannedFault[];
  recovering: PlannedFault[];
}

export function faultCount(kind: FaultKind, minutes: number): number {
  const { perMinute, atLeast } = FAULT_RATES[kind];
  return Math.max(atLeast, Math.round(perMinute * minutes));
}

/**
 * Faults of the `kinds` given (those the run can inject) at uniform random moments in
 * [warmUpMs, durationMs - quietMs), each lane sorted by time.
 */
export function planFaults(random: Random, minutes: number, kinds: ReadonlySet<FaultKind>, warmUpMs: number, quietMs: number): FaultPlan {
  const durationMs = minutes * 60_000;
  const from = warmUpMs;
  const to = Math.max(from + 1, durationMs - quietMs);
  const lane = (laneKinds: readonly FaultKind[]): PlannedFault[] =>
    laneKinds
      .filter((k) => kinds.has(k))
      .flatMap((kind) => Array.from({ length: faultCount(kind, minutes) }, () => ({ kind, atMs: Math.floor(random.between(from, to)) })))
      .sort((a, b) => a.atMs - b.atMs);
  return { quick: lane(QUICK_KINDS), recovering: lane(RECOVERING_KINDS) };
}
