/** Every chaos fault by its kind: the injectors the run picks from. */
import type { Injector } from '../context.ts';
import type { FaultKind } from '../plan.ts';
import { brokerKill, brokerStop } from './broker-bounce.ts';
import { gatewayKill } from './gateway-kill.ts';
import { postgresError } from './postgres-error.ts';
import { postgresFreeze } from './postgres-freeze.ts';
import { postgresRestart } from './postgres-restart.ts';
import { processorKill } from './processor-kill.ts';
import { redisDataLoss } from './redis-data-loss.ts';
import { redisStall } from './redis-stall.ts';
import { registryRestart } from './registry-restart.ts';

export const INJECTORS: Record<FaultKind, Injector> = {
  processor_kill: processorKill,
  gateway_kill: gatewayKill,
  redis_stall: redisStall,
  broker_stop: brokerStop,
  broker_kill: brokerKill,
  redis_data_loss: redisDataLoss,
  postgres_restart: postgresRestart,
  postgres_freeze: postgresFreeze,
  postgres_error: postgresError,
  registry_restart: registryRestart,
};
