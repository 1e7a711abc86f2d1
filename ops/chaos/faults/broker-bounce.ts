/**
 * A broker goes down — cleanly (SIGTERM: controlled shutdown, leadership handed over) or hard
 * (SIGKILL) — stays down a few seconds and comes back; the next fault waits until every partition
 * is fully replicated again, so two bounces never add up to two brokers down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '../../../schemas/topics.ts';
import { startOneBroker } from '../../stack/broker-command.ts';
import { stopBroker, type BrokerStop } from '../../stack/kafka.ts';
import { waitFor } from '../../run/wait-for.ts';
import type { ChaosContext, Injector } from '../context.ts';
import { CONSUMER_OFFSETS_TOPIC, targetBroker, TRANSACTION_STATE_TOPIC, underReplicated, type TargetKind } from '../kafka-targets.ts';

const TARGETS: readonly TargetKind[] = ['requests_leader', 'transaction_coordinator', 'group_coordinator', 'any'];
const WATCHED = [...Object.values(TOPICS), CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC];

async function bounce(ctx: ChaosContext, how: BrokerStop): Promise<string> {
  const layout = ctx.infra.cluster;
  const target = ctx.random.pick(TARGETS);
  const node = await targetBroker(ctx.admin, target, ctx.targetIds, layout.brokerPorts.length, (items) => ctx.random.pick(items)).catch(() =>
    ctx.random.int(1, layout.brokerPorts.length),
  );
  const downMs = Math.round(ctx.random.between(2000, 8000));
  const started = Date.now();
  await stopBroker(layout, node - 1, how);
  await sleep(downMs);
  await startOneBroker(layout, node - 1);
  await waitFor(async () => (await underReplicated(ctx.admin, WATCHED)) === 0, 180_000, 1000);
  return `broker ${node} (${target.replace('_', ' ')}) ${how === 'kill' ? 'SIGKILL' : 'clean stop'}, down ${downMs} ms, fully replicated again after ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

export const brokerStop: Injector = { kind: 'broker_stop', inject: (ctx) => bounce(ctx, 'stop') };
export const brokerKill: Injector = { kind: 'broker_kill', inject: (ctx) => bounce(ctx, 'kill') };
