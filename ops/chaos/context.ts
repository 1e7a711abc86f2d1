/** What the fault injectors act on: the private infrastructure, the supervised services, a clock of faults. */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Infra } from './infra.ts';
import type { FaultKind } from './plan.ts';
import type { Random } from './random.ts';
import type { Supervised } from './supervisor.ts';
import type { TargetIds } from './kafka-targets.ts';

export interface ChaosContext {
  random: Random;
  say: (msg: string) => void;
  infra: Infra;
  processors: readonly Supervised[];
  gateway: Supervised;
  /** Admin client of the cluster (metadata for targets and replication). */
  admin: KafkaJS.Admin;
  targetIds: TargetIds;
  /** The gateway's Redis command timeout: a stall must last longer. */
  redisCommandTimeoutMs: number;
}

/** Injects one fault and returns once the system has what it needs to recover (a restart done). */
export interface Injector {
  kind: FaultKind;
  /** Returns what it did, for the run's log. */
  inject(ctx: ChaosContext): Promise<string>;
}

