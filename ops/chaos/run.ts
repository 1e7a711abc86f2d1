/**
 * One chaos run: private infrastructure and the 3-broker cluster up, gateway and two processors
 * under supervision, continuous load and bulk grants beside it (grants.ts), the fault plan played
 * on two lanes, then the checks (the grants' results, their coupons and requests included):
 * statuses (I5), promises and lock-outs (I7), then I1-I4 on the ledger and committed outputs and
 * I6 on the gate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { createCoupon, UNLIMITED, type Gateway } from '../bench/services.ts';
import { startGateway, startProcessor } from '../run/service-process.ts';
import { waitFor } from '../run/wait-for.ts';
import { acceptedOf, userKey, type AcceptedRequest } from '../verify/client-answers.ts';
import { resetGroupToEnd } from '../verify/group-offsets.ts';
import { i6Result } from '../verify/gate-accounting.ts';
import { checkInvariants, type InvariantResult } from '../verify/invariants.ts';
import { outputEnds, readOutputs } from '../verify/outputs.ts';
import { brokenPromises, i7Result, ledgerRows, lockedOut, settleUnaccepted, unsettledUsers } from '../verify/promises.ts';
import { i5Result, I5_BOUND_MS, StatusTracker } from '../verify/statuses.ts';
import type { ChaosContext } from './context.ts';
import { INJECTORS } from './faults/index.ts';
import { ChaosGrants, GRANT_USERS, planGrants } from './grants.ts';
import { gateRebuildAvailable } from './faults/redis-data-loss.ts';
import { bringUp, CHAOS_PORTS, chaosInfra } from './infra.ts';
import { issue, Load, readStatus } from './load.ts';
import type { ChaosOptions } from './options.ts';
import { FAULT_PART, planFaults, QUICK_KINDS, RECOVERING_KINDS, type FaultKind, type PlannedFault } from './plan.ts';
import { Random } from './random.ts';
import { answerHistogram, invariantMap, type ChaosReport } from './report.ts';
import { Supervised } from './supervisor.ts';
import { postgresExcess, tallyOutcomes } from './tally.ts';
import { PartTurns } from './part-turns.ts';

const SERVICE_LOG_LEVEL = 'warn';
const SMALL_QUANTITY = 20;
/** Requests per small coupon: half again its quantity, so it sells out. */
const PER_SMALL_COUPON = 30;
const SMALL_SHARE = 0.1;
const WARM_UP_MS = 15_000;
const QUIET_MS = 20_000;
/** How long a request whose outcome the client does not know may stay held: the gate's settle bound plus a reconcile round, with room. */
const SETTLE_MS = 120_000;

const clock = (t0: number): string => {
  const s = Math.floor((Date.now() - t0) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export async function runChaos(options: ChaosOptions, say: (msg: string) => void): Promise<ChaosReport> {
  const random = new Random(options.seed);
  const infra = chaosInfra();
  await bringUp(infra, say);
  const runId = Date.now().toString(36);
  const groupId = `chaos-${runId}`;
  // The processors' group; the gateway's reconciler and the operator CLI find committed offsets by it.
  process.env.PROCESSOR_GROUP_ID = groupId;
  const kafka = kafkaConnectionFromEnv();
  await resetGroupToEnd(kafka, groupId, TOPICS.requests);
  const outputsFrom = await outputEnds();

  const adminToken = randomBytes(24).toString('hex');
  const gateway = new Supervised('gateway', () => startGateway(`chaos`, { ADMIN_TOKEN: adminToken, LOG_LEVEL: SERVICE_LOG_LEVEL }, { port: CHAOS_PORTS.gateway, adminPort: CHAOS_PORTS.gatewayAdmin }), say);
  const instanceIds = ['chaos-p1', 'chaos-p2'];
  const processors = instanceIds.map(
    (instanceId, i) =>
      new Supervised(
        `processor ${instanceId}`,
        () => startProcessor({ instanceId, port: CHAOS_PORTS.processors[i], env: { LOG_LEVEL: SERVICE_LOG_LEVEL } }),
        say,
      ),
  );
  const db = new pg.Pool({ connectionString: infra.endpoints.databaseUrl, max: 4 });
  db.on('error', () => undefined); // Postgres restarts are part of the run
  const admin = kafkaJsClient(kafka, { logLevel: KafkaJS.logLevel.NOTHING }).admin();
  const services = [gateway, ...processors];
  const grantsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-grants-'));
  try {
    await admin.connect();
    await Promise.all(services.map((s) => s.start()));
    const baseUrl = `http://127.0.0.1:${CHAOS_PORTS.gateway}`;
    const adminGateway: Gateway = { service: gateway.service!, adminToken };

    // Coupons: one that never sells out, and enough small ones that do for the whole run.
    const expectedRequests = options.rate * options.minutes * 60 * 1.5;
    const bigCouponId = await createCoupon(adminGateway, `chaos ${runId}`, UNLIMITED);
    const smallCouponIds: number[] = [];
    for (let i = 0; i < Math.ceil((expectedRequests * SMALL_SHARE) / PER_SMALL_COUPON) + 1; i++) {
      smallCouponIds.push(await createCoupon(adminGateway, `chaos ${runId} small ${i + 1}`, SMALL_QUANTITY));
    }
    const couponIds = [bigCouponId, ...smallCouponIds];
    say(`coupons: ${bigCouponId} (${UNLIMITED} units) and ${smallCouponIds.length} of ${SMALL_QUANTITY} units`);

    const kinds = new Set<FaultKind>([...QUICK_KINDS, ...RECOVERING_KINDS]);
    const skipped: string[] = [];
    if (!(await gateRebuildAvailable())) {
      kinds.delete('redis_data_loss');
      skipped.push('redis_data_loss: the gate rebuild command (npm run ops -- gate rebuild) is not available; after a Redis data loss an operator runs it by hand');
    }
    const plan = planFaults(random, options.minutes, kinds, WARM_UP_MS, QUIET_MS);
    say(`seed ${options.seed}: ${plan.quick.length + plan.recovering.length} faults planned over ${options.minutes} min at ${options.rate} requests/s`);
    // Planned after the faults, so a seed plans the faults it planned before grants ran beside them.
    const grantPlan = planGrants(random, options.minutes, WARM_UP_MS, QUIET_MS);
    const grants = new ChaosGrants(grantsDir, (msg) => say(`[${clock(t0)}] ${msg}`));
    await grants.prepare(grantPlan, bigCouponId, (name, quantity) => createCoupon(adminGateway, `chaos ${runId} ${name}`, quantity));
    say(`${grantPlan.length} grants of ${GRANT_USERS} users planned (ops grant run, run again until DONE)`);

    const tracker = new StatusTracker((c, u) => readStatus(baseUrl, c, u));
    const load = new Load(
      { baseUrl, rate: options.rate, bigCouponId, smallCouponIds, perSmallCoupon: PER_SMALL_COUPON, smallShare: SMALL_SHARE, maxInFlight: 200, timeoutMs: 30_000 },
      (r) => tracker.add(r),
    );
    const ctx: ChaosContext = {
      random,
      say,
      infra,
      processors,
      gateway,
      admin,
      targetIds: { requestsTopic: TOPICS.requests, transactionalIds: instanceIds.map((id) => `${groupId}-${id}`), groupId },
      redisCommandTimeoutMs: Number(process.env.GATEWAY_REDIS_COMMAND_TIMEOUT_MS ?? 1000),
    };

    const t0 = Date.now();
    const endAt = t0 + options.minutes * 60_000;
    const faults: Record<string, number> = {};
    const faultFailures: string[] = [];
    let lastFaultEnd = t0;
    const turns = new PartTurns();
    const playLane = async (lane: PlannedFault[], until: number): Promise<void> => {
      for (const fault of lane) {
        await sleep(t0 + fault.atMs - Date.now());
        if (Date.now() >= until) return;
        say(`[${clock(t0)}] ${fault.kind} ...`);
        try {
          const what = await turns.take(FAULT_PART[fault.kind], () => INJECTORS[fault.kind].inject(ctx));
          faults[fault.kind] = (faults[fault.kind] ?? 0) + 1;
          say(`[${clock(t0)}] ${fault.kind}: ${what}`);
        } catch (err) {
          faultFailures.push(`${fault.kind}: ${(err as Error).message}`);
          say(`[${clock(t0)}] ${fault.kind} FAILED to inject: ${(err as Error).message}`);
        }
        lastFaultEnd = Date.now();
      }
    };

    load.start();
    // A grant cut short runs again until the recovering lane's latest end and a settle bound after it.
    grants.start(t0, t0 + 2 * options.minutes * 60_000 + SETTLE_MS);
    let sweeping = false;
    const sweeper = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void tracker.sweep(400, 3000).finally(() => (sweeping = false));
    }, 2000);
    const progress = setInterval(() => {
      const accepted = load.answers.filter((a) => a.status === 202).length;
      say(`[${clock(t0)}] load: ${load.requests} sent, ${accepted} accepted, ${tracker.unsettled} not yet terminal, ${load.shed} shed`);
    }, 30_000);
    // The recovering lane may run past the planned end (each fault waits for the previous one's recovery), never past twice the time.
    await Promise.all([playLane(plan.quick, endAt), playLane(plan.recovering, t0 + 2 * options.minutes * 60_000)]);
    await sleep(endAt - Date.now());
    clearInterval(progress);
    await load.stop();
    clearInterval(sweeper);
    while (sweeping) await sleep(50);
    const faultsEnded = Math.max(lastFaultEnd, load.lastAnswerAt);
    say(`[${clock(t0)}] load and faults over: ${load.requests} requests; checking`);

    // I5: within 30 s after the last fault, every 202 is terminal through the status API.
    const stuck = await tracker.settle(faultsEnded + I5_BOUND_MS);
    say(`I5: ${tracker.total - stuck.length}/${tracker.total} accepted requests terminal through the status API`);

    // I7 and lock-outs: every request whose fate the client does not know ends decided or released.
    const answers = [...load.answers];
    const users = unsettledUsers(answers);
    const settle = await settleUnaccepted(
      users,
      async (c, u) => {
        const probe = await issue(baseUrl, c, u, 10_000);
        answers.push(probe);
        return probe;
      },
      async () => {
        const { rows } = await db.query<{ coupon_id: string; user_id: string }>('SELECT coupon_id, user_id FROM issue_outcomes WHERE coupon_id = ANY($1) AND user_id = ANY($2)', [
          couponIds,
          users.map((u) => u.userId),
        ]);
        return new Set(rows.map((r) => userKey(Number(r.coupon_id), Number(r.user_id))));
      },
      Date.now() + SETTLE_MS,
    );
    const locked = lockedOut(users, settle.settlements);
    for (const r of settle.probesAccepted) tracker.add(r);
    // The tracker still holds the requests that were stuck before: only the probes' are new.
    const probeIds = new Set(settle.probesAccepted.map((r) => r.eventId));
    const stuckProbes = (await tracker.settle(Date.now() + I5_BOUND_MS)).filter((r) => probeIds.has(r.eventId));
    say(`I7: ${users.length} requests with an unknown or failed answer: ${locked.length} still locked out; ${settle.probesAccepted.length} released and accepted again`);

    await grants.finished();

    // Every accepted request decided in the ledger (bounded), then the services stop cleanly.
    const accepted: AcceptedRequest[] = acceptedOf(answers);
    const acceptedIds = accepted.map((a) => a.eventId);
    await waitFor(
      async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE event_id = ANY($1::uuid[])', [acceptedIds])).rows[0]!.n) >= acceptedIds.length,
      120_000,
      1000,
    ).catch(() => say('not every accepted request has a ledger outcome after 120 s'));
    for (const s of services) await s.stop();

    const ledger = await ledgerRows(db, couponIds);
    const serde = new Serde(registryConnectionFromEnv());
    const outputs = await readOutputs(serde, outputsFrom);
    // I6 after the gateway's reconciler has settled the holds (the settle phase above waited for it).
    const redis = new Redis(infra.endpoints.redisUrl, { maxRetriesPerRequest: 3 });
    // The grants' own coupons and produced requests are checked with the sale's.
    const judged = await grants.judge(outputs);
    const checkedCoupons = [...couponIds, ...grants.ownCouponIds];
    const i6 = await i6Result({ db, kafka, serde, groupId, redis }, checkedCoupons).finally(() => redis.disconnect());
    const invariants: InvariantResult[] = [
      ...(await checkInvariants(db, checkedCoupons, [...acceptedIds, ...judged.producedEventIds], outputs)),
      i5Result(tracker.total, [...stuck, ...stuckProbes]),
      i6,
      i7Result(brokenPromises(answers, ledger), locked),
    ];
    for (const r of invariants) say(`${r.name} ${r.held ? 'held  ' : 'BROKEN'} ${r.title}: ${r.detail}`);
    const g = judged.report;
    say(`grants: ${g.done}/${g.planned} DONE in ${g.attempts} runs (${g.killed} SIGKILLed), ${g.issued} of ${g.users} users issued; ${g.problems.length ? `PROBLEMS: ${g.problems.join('; ')}` : 'first come first served by line, one committed record each'}`);

    const outcome = tallyOutcomes(accepted, ledger, outputs);
    const excess = await postgresExcess(db, checkedCoupons);
    return {
      seed: options.seed,
      minutes: options.minutes,
      faults,
      requests: load.requests,
      accepted: accepted.length,
      issued: outcome.issued,
      lost: outcome.lost,
      doubled: outcome.doubled + excess.doubledUsers,
      over_issued: excess.overIssued,
      stuck: stuck.length + stuckProbes.length,
      locked_out: locked.length,
      invariants: invariantMap(invariants),
      processor_exits: processors.reduce((n, p) => n + p.exits.length, 0),
      gateway_exits: gateway.exits.length,
      crashes: services.flatMap((s) => s.exits).filter((e) => e.signal !== null).length,
      exits: services.flatMap((s) => s.exits).map((e) => ({ service: e.label, code: e.code, signal: e.signal, reason: e.reason ?? null })),
      answers: answerHistogram(load.answers),
      shed: load.shed,
      probes: answers.length - load.answers.length,
      skipped,
      fault_failures: faultFailures,
      grants: judged.report,
      details: {
        ...Object.fromEntries(invariants.map((r) => [r.name, r.detail])),
        locked_out: JSON.stringify(answerHistogram(locked)),
      },
    };
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await admin.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    fs.rmSync(grantsDir, { recursive: true, force: true });
  }
}
