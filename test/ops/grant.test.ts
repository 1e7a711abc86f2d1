/**
 * Bulk grants through the operator CLI against the real stack (README, "Bulk grants"): a file with
 * duplicates and malformed lines issues exactly once per valid distinct user up to the quantity,
 * and the per-user result matches the committed output records; a re-upload produces nothing
 * new; a grant killed (SIGKILL) half way shows in `grant list` at the line it reached, and run
 * again ends with the result of an uninterrupted one; `grant list` filters and orders; a flash
 * sale over HTTP on the same coupon during a grant keeps I1-I7.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate } from '../../gateway/gate.ts';
import type { GatewayApp } from '../../gateway/deps.ts';
import { GateStore } from '../../gateway/reconcile/gate-store.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { redisKeys } from '../../schemas/redis-keys.ts';
import { recordKey } from '../../schemas/record-key.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { Serde } from '../../schemas/serde.ts';
import { acceptedOf, type IssueAnswer } from '../../ops/verify/client-answers.ts';
import { mapLimit } from '../../ops/verify/concurrency.ts';
import { i6Result } from '../../ops/verify/gate-accounting.ts';
import { checkInvariants, type CommittedOutputs } from '../../ops/verify/invariants.ts';
import { outputEnds, readOutputs, type OutputOffsets } from '../../ops/verify/outputs.ts';
import { readCommittedSince, topicEnds } from '../../ops/verify/read-committed.ts';
import { brokenPromises, ledgerRows } from '../../ops/verify/promises.ts';
import { eventually } from '../support/eventually.ts';
import { allDecided } from '../support/ledger.ts';
import { startGateway, HttpClient } from '../support/gateway-harness.ts';
import { grantableCoupon, resultFile, runGrant, startGrant, usersFile, type GrantRun } from '../support/grants.ts';
import { opsJson, runOps } from '../support/ops-cli.ts';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { startOpsCli } from '../../ops/run/ops-cli.ts';
import { readGrantResults, type UserResult } from '../../ops/verify/grant-results.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { pool } from '../support/requests.ts';
import type { ServiceProcess } from '../../ops/run/service-process.ts';
import { ROOT } from '../../ops/stack/paths.ts';
import { isAlive } from '../../ops/stack/process.ts';

const endpoints = endpointsFromEnv();
let db: pg.Pool;
let redis: Redis;
let gate: Gate;
let serde: Serde;
let processor: ServiceProcess;
let since: OutputOffsets;

beforeAll(async () => {
  db = pool();
  redis = new Redis(endpoints.redisUrl);
  gate = new Gate(redis);
  serde = new Serde(registryConnectionFromEnv());
  since = await outputEnds();
  processor = await ProcessorProcess.start({ instanceId: `grant-${randomUUID().slice(0, 8)}` });
  await processor.ready();
});

afterAll(async () => {
  await processor?.stop('SIGTERM');
  redis?.disconnect();
  await db?.end();
});

/** The committed output records of one coupon. */
async function outputsOf(couponId: number): Promise<CommittedOutputs> {
  const all = await readOutputs(serde, since);
  return { issued: all.issued.filter((r) => r.couponId === couponId), rejected: all.rejected.filter((r) => r.couponId === couponId), deadLetters: [] };
}

const produced = (results: readonly UserResult[]): string[] => results.filter((r) => r.result !== 'REFUSED').map((r) => r.eventId);

function expectInvariants(results: Awaited<ReturnType<typeof checkInvariants>>): void {
  for (const r of results) expect(r.held, `${r.name} ${r.title}: ${r.detail}`).toBe(true);
}

describe('ops grant', () => {
  it('issues once per valid distinct user up to the quantity, skips malformed lines by line number, and its per-user result matches the committed records', async () => {
    const couponId = await grantableCoupon(db, gate, 50);
    const lines = ['userId,email'];
    for (let u = 1; u <= 80; u++) lines.push(`${u},u${u}@example.com`);
    for (let u = 1; u <= 20; u++) lines.push(`${u},again@example.com`);
    lines.push('abc,x@example.com', '0,zero@example.com', '12', '-4,neg@example.com', '"7.5",frac@example.com');
    const file = usersFile(lines);
    const out = resultFile();

    const first = await runGrant(['--coupon', String(couponId), '--users', file, '--outcomes', out, '--batch-size', '30']);
    expect(first.grant).toMatchObject({ status: 'DONE', uploaded: true, linesRead: 106, invalidLines: 5 });
    expect(first.grant.counts).toEqual({ users: 80, issued: 50, rejected: {}, failed: 0, refused: { SOLD_OUT: 30 }, pending: 0 });
    expect(first.invalidLines.map((i) => i.line)).toEqual([102, 103, 104, 105, 106]);

    // First come, first served by line: users 1-50 issued, 51-80 refused at the gate.
    const results = readGrantResults(out);
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(results.filter((r) => r.result === 'ISSUED').map((r) => r.userId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(results.filter((r) => r.result === 'REFUSED').every((r) => r.reason === 'SOLD_OUT')).toBe(true);

    // Each issued user has exactly one committed coupon-issued record, the one the result names.
    const outputs = await eventually(async () => {
      const o = await outputsOf(couponId);
      return o.issued.length >= 50 && o;
    });
    expect(outputs.rejected).toEqual([]);
    const records = new Map(outputs.issued.map((r) => [r.eventId, r]));
    expect(records.size).toBe(outputs.issued.length);
    for (const r of results.filter((x) => x.result === 'ISSUED')) expect(records.get(r.eventId), `user ${r.userId}`).toMatchObject({ userId: r.userId, userCouponId: Number(r.userCouponId) });
    expectInvariants(await checkInvariants(db, [couponId], produced(results), outputs));

    // The same file again: nothing produced, nothing new decided.
    const again = await runGrant(['--coupon', String(couponId), '--users', file]);
    expect(again.grant.id).toBe(first.grant.id);
    expect(again.grant.counts).toEqual(first.grant.counts);
    expect(again.progress).toMatchObject({ alreadyDecided: 50, reserved: 0, held: 0, produced: 0 });
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM issue_outcomes WHERE coupon_id = $1', [couponId]);
    expect(Number(rows[0]!.n)).toBe(50);
  });

  it('a grant killed (SIGKILL) half way and run again ends with the result of an uninterrupted one', async () => {
    const users = Array.from({ length: 6000 }, (_, i) => String(100_000 + ((i * 7919) % 6000)));
    const file = usersFile(users);
    const args = (couponId: number) => ['--coupon', String(couponId), '--users', file, '--batch-size', '500'];

    const whole = await grantableCoupon(db, gate, 4000);
    const wholeOut = resultFile();
    await runGrant([...args(whole), '--outcomes', wholeOut]);

    // Killed until a kill lands between the gate and Kafka: users reserved (held) whose requests
    // never reached Kafka, the case a resumed run must produce rather than refuse.
    const killed = await grantableCoupon(db, gate, 4000);
    const since = await topicEnds(TOPICS.requests);
    let heldNotProduced = 0;
    for (let attempt = 0; attempt < 10 && heldNotProduced === 0; attempt++) {
      const child = startGrant(args(killed));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const holdsBefore = new Set(await redis.zrange(redisKeys.holds(killed), 0, -1));
      await eventually(async () => (await redis.zrange(redisKeys.holds(killed), 0, -1)).some((h) => !holdsBefore.has(h)) || child.exitCode !== null, 60_000, 2);
      child.kill('SIGKILL');
      await exited;
      const inKafka = new Set<string>();
      for (const r of await readCommittedSince(TOPICS.requests, since, (r) => r.key?.toString() === recordKey(killed))) inKafka.add((await serde.decode(TOPICS.requests, r.value)).eventId);
      // The holds as the reconciler reads them: a grant's names the grant's code, resolved to the event id.
      heldNotProduced = (await new GateStore(redis).counts(killed)).holds.filter((h) => !inKafka.has(h.eventId)).length;
    }
    expect(heldNotProduced, 'no kill landed between the gate and Kafka').toBeGreaterThan(0);
    // What an operator sees of the stopped grant: RUNNING, its upload at the line the last run reached.
    const [cut, ...others] = await opsJson<Grant[]>(['grant', 'list', '--coupon', String(killed)]);
    expect(others).toEqual([]);
    expect(cut).toMatchObject({ status: 'RUNNING', uploaded: false });
    expect(cut!.linesRead).toBeLessThan(users.length);
    expect((await runOps(['grant', 'list', '--coupon', String(killed)])).stdout).toMatch(/RUNNING\s+line [\d,]+ .*\n\(UPLOAD at a line/s);

    const resumedOut = resultFile();
    const resumed = await runGrant([...args(killed), '--outcomes', resumedOut]);
    expect(resumed.grant.status).toBe('DONE');
    const strip = (rs: UserResult[]) => rs.map((r) => ({ userId: r.userId, line: r.line, result: r.result, reason: r.reason }));
    expect(strip(readGrantResults(resumedOut))).toEqual(strip(readGrantResults(wholeOut)));
    expect(resumed.grant.counts).toEqual({ users: 6000, issued: 4000, rejected: {}, failed: 0, refused: { SOLD_OUT: 2000 }, pending: 0 });
    expect(await redis.zcard(redisKeys.holds(killed))).toBe(0);
    const outputs = await eventually(async () => {
      const o = await outputsOf(killed);
      return o.issued.length >= 4000 && o;
    });
    expectInvariants(await checkInvariants(db, [killed], produced(readGrantResults(resumedOut)), outputs));
  });

  it('lists grants newest first, of one coupon with --coupon, at most --limit', async () => {
    const [a, b] = [await grantableCoupon(db, gate, 10), await grantableCoupon(db, gate, 10)];
    const tag = randomUUID().slice(0, 8);
    const grants: Array<[number, string, string[]]> = [
      [a, `list-a1-${tag}`, ['1', '2', '3']],
      [b, `list-b-${tag}`, ['4']],
      [a, `list-a2-${tag}`, ['5', '6']],
    ];
    for (const [coupon, id, users] of grants) await runGrant(['--coupon', String(coupon), '--users', usersFile(users), '--grant-id', id]);

    const ofA = await opsJson<Grant[]>(['grant', 'list', '--coupon', String(a)]);
    expect(ofA.map((g) => [g.id, g.status, g.uploaded, g.counts.users, g.counts.issued])).toEqual([
      [`list-a2-${tag}`, 'DONE', true, 2, 2],
      [`list-a1-${tag}`, 'DONE', true, 3, 3],
    ]);
    expect((await opsJson<Grant[]>(['grant', 'list', '--limit', '1'])).map((g) => g.id)).toEqual([`list-a2-${tag}`]);
    const table = (await runOps(['grant', 'list', '--coupon', String(b)])).stdout;
    expect(table).toMatch(/^GRANT +COUPON +STATUS +UPLOAD +USERS +ISSUED +NOT ISSUED +PENDING +CREATED +LAST ACTIVITY\n/);
    expect(table).toMatch(new RegExp(`^list-b-${tag} +${b} +DONE +complete +1 +1 +0 +0 `, 'm'));
    expect((await runOps(['grant', 'list', '--limit', '0'])).code).toBe(2);
  });

  it('rides out a Redis outage part way, running again from its first line, and ends with the result of an uninterrupted grant; --retry-for 0 stops at the outage', async () => {
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(endpoints.redisUrl).port)).start();
    const users = usersFile(['userId', ...Array.from({ length: 6000 }, (_, i) => String(i + 1))]);
    /** Starts a grant of the 6,000 users on a coupon of 3,000 through the proxy, cuts Redis once it has reserved some, restores it once `until` holds. */
    const grantThroughOutage = async (retryFor: number, until: (stderr: string, exited: boolean) => boolean) => {
      proxy.restore();
      const couponId = await grantableCoupon(db, gate, 3000);
      const outcomes = resultFile();
      const run = startOpsCli(['grant', 'run', '--coupon', String(couponId), '--users', users, '--max-rate', '1500', '--retry-for', String(retryFor), '--outcomes', outcomes, '--json'], { REDIS_URL: proxy.url(endpoints.redisUrl) });
      let stderr = '';
      let exited = false;
      run.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      void run.exited.finally(() => (exited = true));
      // Redis inspected directly, not through the proxy.
      await eventually(async () => (await redis.zcard(redisKeys.holds(couponId))) > 0 || exited, 60_000, 20);
      proxy.cut();
      await eventually(() => until(stderr, exited), 60_000);
      proxy.restore();
      return { couponId, outcomes, exit: await run.exited };
    };
    try {
      const stopped = await grantThroughOutage(0, (_stderr, exited) => exited);
      expect(stopped.exit.code, stopped.exit.stderr).toBe(1);
      expect(stopped.exit.stderr).not.toMatch(/running it again/);

      const resumed = await grantThroughOutage(300, (stderr) => /running it again in/.test(stderr));
      expect(resumed.exit.code, resumed.exit.stderr).toBe(0);
      expect(resumed.exit.stderr).toMatch(/running it again in/);
      const { grant } = JSON.parse(resumed.exit.stdout) as GrantRun;
      expect(grant.status).toBe('DONE');
      expect(grant.counts).toEqual({ users: 6000, issued: 3000, rejected: {}, failed: 0, refused: { SOLD_OUT: 3000 }, pending: 0 });
      const results = readGrantResults(resumed.outcomes);
      expect(results.map((r) => [r.userId, r.result])).toEqual(Array.from({ length: 6000 }, (_, i) => [i + 1, i < 3000 ? 'ISSUED' : 'REFUSED']));
      expect(await redis.zcard(redisKeys.holds(resumed.couponId))).toBe(0);
      const outputs = await eventually(async () => {
        const o = await outputsOf(resumed.couponId);
        return o.issued.length >= 3000 && o;
      });
      expect(outputs.issued).toHaveLength(3000);
      expectInvariants(await checkInvariants(db, [resumed.couponId], produced(results), outputs));
    } finally {
      await proxy.stop();
    }
  });

  it('run as a child by the bench, the chaos run or a test, stops once that process is killed (SIGKILL runs none of its exit hooks)', async () => {
    const couponId = await grantableCoupon(db, gate, 2000);
    const users = usersFile(['userId', ...Array.from({ length: 2000 }, (_, i) => String(i + 1))]);
    // 20 users a second: 100 s of work, unless it stops with its parent.
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/ops-cli-parent.ts', 'grant', 'run', '--coupon', String(couponId), '--users', users, '--max-rate', '20', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await readline.createInterface({ input: parent.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string | undefined]);
    const cli = Number(line);
    try {
      await eventually(async () => (await db.query('SELECT 1 FROM coupon_grant_users g JOIN coupon_grants c ON c.id = g.grant_id WHERE c.coupon_id = $1 LIMIT 1', [couponId])).rowCount === 1, 60_000);
      parent.kill('SIGKILL');
      await eventually(() => !isAlive(cli), 30_000);
    } finally {
      if (isAlive(cli)) process.kill(cli, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});

describe('a flash sale during a grant of the same coupon', () => {
  let app: GatewayApp;
  let http: HttpClient;

  beforeAll(async () => {
    // The gateway on the processor's Redis, so statuses and the grant's gate are one.
    ({ app } = await startGateway({ REDIS_URL: endpoints.redisUrl }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    http = new HttpClient(app, 50);
  });

  afterAll(async () => {
    http?.close();
    await app?.close();
  });

  it('keeps I1-I7: no 202 taken away, nobody twice, the gate matches Postgres + Kafka, a granted user gets 409', async () => {
    const couponId = await grantableCoupon(db, gate, 600);
    const file = usersFile(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    const out = resultFile();
    const granting = runGrant(['--coupon', String(couponId), '--users', file, '--batch-size', '50', '--outcomes', out]);
    // The sale starts once the grant has reserved some users: users 801-1200, half of them also in the grant.
    await eventually(async () => (await redis.scard(redisKeys.requesters(couponId))) > 0, 60_000, 5);
    const answers: IssueAnswer[] = await mapLimit(Array.from({ length: 400 }, (_, i) => 801 + i), 50, async (userId) => {
      const a = await http.request('POST', `/api/coupons/${couponId}/issue`, { userId });
      const body = a.body as { eventId?: string; error?: { code: string } };
      return { couponId, userId, status: a.status, eventId: body.eventId, code: body.error?.code };
    });
    const grant = await granting;
    expect(grant.grant.status).toBe('DONE');
    const accepted = acceptedOf(answers);
    expect(accepted.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 202 || (a.status === 409 && (a.code === 'SOLD_OUT' || a.code === 'ALREADY_REQUESTED')))).toBe(true);
    await eventually(() => allDecided(db, accepted.map((a) => a.eventId)), 60_000, 100);

    const results = readGrantResults(out);
    const eventIds = [...produced(results), ...accepted.map((a) => a.eventId)];
    const outputs = await eventually(async () => {
      const o = await outputsOf(couponId);
      return o.issued.length + o.rejected.length >= eventIds.length && o;
    });
    expectInvariants(await checkInvariants(db, [couponId], eventIds, outputs));
    const broken = brokenPromises(answers, await ledgerRows(db, [couponId]));
    expect(broken.acceptedSoldOut, 'I7: a 202 ended SOLD_OUT').toEqual([]);
    expect((await i6Result({ db, kafka: kafkaConnectionFromEnv(), serde, groupId: 'coupon-processor', redis }, [couponId])).held).toBe(true);
    const { rows } = await db.query<{ issued_quantity: number }>('SELECT issued_quantity FROM coupons WHERE id = $1', [couponId]);
    expect(rows[0]!.issued_quantity).toBe(600);

    // Every 202 reaches a terminal status (I5), and a user the grant issued gets 409 over HTTP.
    for (const a of accepted) await eventually(async () => ((await http.request('GET', `/api/coupons/${couponId}/issue/${a.userId}`)).body as { status: string }).status !== 'PENDING', 30_000, 100);
    const grantedUser = results.find((r) => r.result === 'ISSUED')!.userId;
    const asked = await http.request('POST', `/api/coupons/${couponId}/issue`, { userId: grantedUser });
    expect(asked.status).toBe(409);
    expect((asked.body as { error: { code: string } }).error.code).toBe('ALREADY_REQUESTED');
  });
});
