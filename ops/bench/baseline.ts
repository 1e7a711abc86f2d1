/**
 * Issue 11's relative CPU targets: this run's CPU a unit of work against a baseline run's, the
 * JSON (`--out`) of the commit the targets count from, run on the same machine in the same
 * session (machines and hours differ by 2×, so figures of another day say nothing). Reads this
 * bench's JSON and the older one of the starting commit (e5d84f4), which has no per-unit figures:
 * both are read the same way, a phase's CPU seconds over its units.
 */
import type { BenchResult } from './report.ts';

/** The processes whose CPU a processed record costs: the processor and the services it uses. */
export const PROCESSOR_CPU_ROLES = ['processor', 'postgres', 'kafka', 'redis'] as const;
/** The process whose CPU an accepted request costs (the "gateway CPU per accepted request"). */
export const GATEWAY_CPU_ROLE = 'gateway';

/** Targets: at most these multiples of the baseline's CPU a unit. */
export const RELATIVE_CPU_TARGETS = { processor: 0.4, gateway: 0.5 } as const;

export class BaselineError extends Error {
  override name = 'BaselineError';
}

/** What a run spent a unit of work, in CPU µs; null where it did not run the phase. */
export interface CpuPerUnit {
  /** The processor scenario's batch mode, a record: PROCESSOR_CPU_ROLES summed. */
  processorUsPerRecord: number | null;
  /** The gateway process, an accepted request, by the connections of the load. */
  gatewayUsPerRequest: Map<number, number>;
  /** The connections of the gateway load the run's capacity came from. */
  gatewayConcurrency: number | null;
}

export interface RelativeCpu {
  baseline: { file: string; started_at: string };
  processor: { us_per_record: number; baseline_us_per_record: number; ratio: number } | null;
  /** Compared at the baseline's capacity's connections (both runs loaded the gateway with them). */
  gateway: { connections: number; us_per_request: number; baseline_us_per_request: number; ratio: number } | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/** CPU µs a unit of `roles` in a phase of the JSON's `cpu`, or null without the phase or its units. */
function usPerUnit(cpu: Json, phase: string, roles: readonly string[], fallbackUnits: unknown): number | null {
  const usage = cpu[phase];
  if (!isObject(usage) || !isObject(usage.cpu_s)) return null;
  const units = positive(usage.units) ?? positive(fallbackUnits);
  if (units === undefined) return null;
  const seconds = roles.reduce((sum, role) => sum + (positive((usage.cpu_s as Json)[role]) ?? 0), 0);
  return (seconds / units) * 1e6;
}

/**
 * A run's CPU a unit from its JSON. This bench names its gateway phases `gateway <connections>`;
 * the starting commit's one load was the phase `gateway`, at `gateway.concurrency` connections.
 */
export function cpuPerUnit(json: unknown): CpuPerUnit {
  if (!isObject(json) || !isObject(json.cpu) || typeof json.started_at !== 'string') {
    throw new BaselineError('not the JSON of a bench run (`npm run bench -- --out FILE`): it has no started_at and cpu');
  }
  const { cpu } = json;
  const processor = isObject(json.processor) ? json.processor : {};
  const gateway = isObject(json.gateway) ? json.gateway : {};
  const gatewayUsPerRequest = new Map<number, number>();
  for (const phase of Object.keys(cpu)) {
    const connections = /^gateway (\d+)$/.exec(phase)?.[1];
    if (connections === undefined) continue;
    const us = usPerUnit(cpu, phase, [GATEWAY_CPU_ROLE], undefined);
    if (us !== null) gatewayUsPerRequest.set(Number(connections), us);
  }
  const concurrency = positive(gateway.concurrency) ?? null;
  const single = usPerUnit(cpu, 'gateway', [GATEWAY_CPU_ROLE], gateway.accepted);
  if (single !== null && concurrency !== null) gatewayUsPerRequest.set(concurrency, single);
  return {
    processorUsPerRecord: usPerUnit(cpu, 'processor batch', PROCESSOR_CPU_ROLES, processor.records),
    gatewayUsPerRequest,
    gatewayConcurrency: concurrency,
  };
}

/** A baseline run, read once: which file, when it ran, what it spent a unit. */
export interface Baseline {
  file: string;
  startedAt: string;
  cpu: CpuPerUnit;
}

/** The baseline of a run's JSON read from `file`; throws BaselineError for what is not a bench run's. */
export function baselineOf(json: unknown, file: string): Baseline {
  const cpu = cpuPerUnit(json);
  return { file, startedAt: (json as { started_at: string }).started_at, cpu };
}

const ratioOf = (current: number, baseline: number): number => Math.round((current / baseline) * 100) / 100;

/** This run against the baseline. */
export function relativeCpu(current: BenchResult, baseline: Baseline): RelativeCpu {
  const then = baseline.cpu;
  const now = cpuPerUnit(current);
  const connections = then.gatewayConcurrency;
  const gatewayNow = connections === null ? undefined : now.gatewayUsPerRequest.get(connections);
  const gatewayThen = connections === null ? undefined : then.gatewayUsPerRequest.get(connections);
  return {
    baseline: { file: baseline.file, started_at: baseline.startedAt },
    processor:
      now.processorUsPerRecord !== null && then.processorUsPerRecord !== null
        ? { us_per_record: Math.round(now.processorUsPerRecord), baseline_us_per_record: Math.round(then.processorUsPerRecord), ratio: ratioOf(now.processorUsPerRecord, then.processorUsPerRecord) }
        : null,
    gateway:
      connections !== null && gatewayNow !== undefined && gatewayThen !== undefined
        ? { connections, us_per_request: Math.round(gatewayNow), baseline_us_per_request: Math.round(gatewayThen), ratio: ratioOf(gatewayNow, gatewayThen) }
        : null,
  };
}
