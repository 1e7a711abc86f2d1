/**
 * The real gateway and processor as child processes (ops/run), set up the way the bench needs
 * them: a processor always on a fresh consumer group moved to the end of the shared requests
 * topic first, so it processes exactly what the scenario produces afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { resetGroupToEnd } from '../verify/group-offsets.ts';
import { startGateway, startProcessor, type ServiceProcess } from '../run/service-process.ts';
import { waitFor } from '../run/wait-for.ts';
import { TOPIC_PREFIX_VARIABLE } from '../../schemas/topics.ts';
import { BenchError, type BenchContext } from './context.ts';
import { pacedLoad } from './paced-load.ts';
import { parseSamples, type Sample } from './prometheus-text.ts';

/** The services of a run work on its own topics (BenchContext.topics). */
const serviceEnv = (ctx: BenchContext): NodeJS.ProcessEnv => ({ LOG_LEVEL: 'warn', [TOPIC_PREFIX_VARIABLE]: ctx.topicPrefix });

async function readyOrKill(service: ServiceProcess): Promise<void> {
  try {
    await service.ready();
  } catch (err) {
    await service.stop('SIGKILL');
    throw err;
  }
}

export interface Processor {
  service: ServiceProcess;
  groupId: string;
}

/** Moves a fresh group to the end of the requests topic. Call before producing the scenario's input. */
export async function freshGroup(ctx: BenchContext, label: string): Promise<string> {
  const groupId = `bench-${label}-${ctx.runId}`;
  await resetGroupToEnd(ctx.kafka, groupId, ctx.topics.requests);
  return groupId;
}

/** One of several processors of a group: its own instance id, CPU role and environment (other brokers, topics). */
export interface ProcessorPlacement {
  instanceId: string;
  role: string;
  env: NodeJS.ProcessEnv;
}

export async function startBenchProcessor(ctx: BenchContext, groupId: string, mode: 'batch' | 'single', placement?: ProcessorPlacement): Promise<Processor> {
  const service = await startProcessor({ instanceId: placement?.instanceId ?? groupId, mode, env: { ...serviceEnv(ctx), PROCESSOR_GROUP_ID: groupId, ...placement?.env } });
  ctx.cpu.track(service.child.pid, placement?.role ?? 'processor');
  await readyOrKill(service);
  return { service, groupId };
}

export interface Gateway {
  service: ServiceProcess;
  adminToken: string;
}

/**
 * The gateway is told its processors' group, as in a deployment: its reconciler reads what is
 * pending from that group's committed offsets (without it, every request of the run's topic looks
 * pending and each reconciler pass reads and decodes the whole topic).
 */
export async function startBenchGateway(ctx: BenchContext, label: string, processorGroupId: string): Promise<Gateway> {
  const adminToken = randomBytes(24).toString('hex');
  const service = await startGateway(`bench-${label}-${ctx.runId}`, { ...serviceEnv(ctx), ADMIN_TOKEN: adminToken, PROCESSOR_GROUP_ID: processorGroupId });
  ctx.cpu.track(service.child.pid, 'gateway');
  await readyOrKill(service);
  return { service, adminToken };
}

/** The service's metrics now. */
export async function scrape(service: ServiceProcess): Promise<Sample[]> {
  return parseSamples(await service.metrics());
}

/** Stops a service and insists on a clean exit: a crash would make the figures meaningless. */
export async function stopService(service: ServiceProcess): Promise<void> {
  const code = await service.stop('SIGTERM');
  if (code !== 0) throw new BenchError(`${service.service} exited with ${code}; see ${service.logFile}`);
}

/** A coupon this large never sells out (coupons.total_quantity is a Postgres integer). */
export const UNLIMITED = 2_000_000_000;

/** Creates a coupon through the admin API (Postgres row + Redis gate) and returns its id. */
export async function createCoupon(gateway: Gateway, name: string, totalQuantity: number): Promise<number> {
  const response = await fetch(`${gateway.service.adminUrl}/api/admin/coupons`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, totalQuantity }),
  });
  if (response.status !== 201) throw new BenchError(`creating coupon "${name}" answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

/** Requests the gate accepted for the coupon that no processor has decided yet (admin API). */
async function pendingOf(gateway: Gateway, couponId: number): Promise<number> {
  const response = await fetch(`${gateway.service.adminUrl}/api/admin/coupons/${couponId}`, { headers: { authorization: `Bearer ${gateway.adminToken}` } });
  if (!response.ok) throw new BenchError(`coupon ${couponId} figures answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { pending: number }).pending;
}

/**
 * Waits until every request the gate accepted for the coupon is decided. Counts what the gate
 * reserved, not what the client saw: a load that stops on a clock abandons requests in flight
 * that the gateway still accepts and produces.
 */
export async function waitAllDecided(gateway: Gateway, processor: Processor, couponId: number, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await pendingOf(gateway, couponId)) === 0, timeoutMs, 250, () => exitedReason(processor.service));
}

/** The event id of a 202 answer's body. */
export const eventIdOf = (body: string): string => (JSON.parse(body) as { eventId: string }).eventId;

/** How many requests of `couponIds` have their outcome in the ledger (the bench's coupons are fresh: all of them are its own). */
async function decidedCount(ctx: BenchContext, couponIds: number[]): Promise<number> {
  const { rows } = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE coupon_id = ANY($1)', [couponIds]);
  return Number(rows[0]!.n);
}

/** Waits until `expected` requests of `couponIds` are decided, failing early if the processor dies. */
export async function waitDecided(ctx: BenchContext, processor: Processor, couponIds: number[], expected: number, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await decidedCount(ctx, couponIds)) >= expected, timeoutMs, 200, () => exitedReason(processor.service));
}

export function exitedReason(service: ServiceProcess): string | undefined {
  return service.child.exitCode !== null ? `${service.service} exited with ${service.child.exitCode}; see ${service.logFile}` : undefined;
}

export interface WarmUp {
  couponId: number;
  eventIds: string[];
}

const WARM_UP_RATE = 300;
const WARM_UP_S = 2;

/**
 * Gateway and processor run a few hundred requests on a coupon of their own before anything is
 * measured, and the processor decides them all: it has joined its group and fetched, the code
 * paths of both are past V8's first tiers, connections and producers are open. A cold gateway
 * answers its first thousand requests several times slower. The scenario's invariant check
 * covers the warm-up requests too.
 */
export async function warmUp(gateway: Gateway, processor: Processor): Promise<WarmUp> {
  const couponId = await createCoupon(gateway, 'bench warm-up', UNLIMITED);
  const load = await pacedLoad({ baseUrl: gateway.service.url, path: `/api/coupons/${couponId}/issue`, rate: WARM_UP_RATE, seconds: WARM_UP_S, body: (n) => `{"userId":${n}}` });
  const eventIds = load.answers.filter((a) => a.status === 202).map((a) => eventIdOf(a.body));
  if (eventIds.length === 0) throw new BenchError(`no warm-up request was accepted (${load.errors} errors)`);
  await waitAllDecided(gateway, processor, couponId, 60_000);
  return { couponId, eventIds };
}

/**
 * Waits until the gateway has rebuilt the gates of the coupons the run inserted around it
 * (BenchContext.gatelessCoupons): it does so a settle bound (20 s) after it first saw them
 * missing, and reading their evidence then took CPU from the scenario being measured.
 */
async function waitGatesRebuilt(ctx: BenchContext, label: string, gateway: Gateway): Promise<void> {
  const ids = ctx.gatelessCoupons;
  if (ids.length === 0) return;
  ctx.progress(label, `waiting for the gateway to open the gates of the ${ids.length} coupon(s) earlier scenarios inserted straight into Postgres`);
  const redis = new Redis(ctx.endpoints.redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    await waitFor(async () => (await redis.exists(...ids.map((id) => redisKeys.gate(id)))) === ids.length, 180_000, 500, () => exitedReason(gateway.service));
    ids.splice(0);
  } finally {
    redis.disconnect();
  }
}

export interface Pipeline {
  gateway: Gateway;
  processor: Processor;
  warm: WarmUp;
}

/**
 * Gateway and batch processor (fresh group) running together, warmed up, for `work`; then both
 * stopped cleanly (a graceful processor stop lets its last transaction commit). On failure both
 * are killed.
 */
export async function withPipeline<T>(ctx: BenchContext, label: string, work: (p: Pipeline) => Promise<T>): Promise<T> {
  const groupId = await freshGroup(ctx, label);
  const started: ServiceProcess[] = [];
  try {
    const [gatewayStart, processorStart] = await Promise.allSettled([startBenchGateway(ctx, label, groupId), startBenchProcessor(ctx, groupId, 'batch')]);
    for (const s of [gatewayStart, processorStart]) if (s.status === 'fulfilled') started.push(s.value.service);
    if (gatewayStart.status === 'rejected') throw gatewayStart.reason;
    if (processorStart.status === 'rejected') throw processorStart.reason;
    const gateway = gatewayStart.value;
    const processor = processorStart.value;
    const warm = await warmUp(gateway, processor);
    await waitGatesRebuilt(ctx, label, gateway);
    const result = await work({ gateway, processor, warm });
    await stopService(processor.service);
    await stopService(gateway.service);
    return result;
  } finally {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
  }
}
