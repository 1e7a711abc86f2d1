/**
 * Shared pieces of the bulk grant tests: a coupon with its gate open on the stack's Redis (the one
 * the processor writes statuses and watermarks to), user files, the operator CLI's grant command
 * run to completion or started to be killed, and the stack's parts for tests that run the grant
 * runner in-process.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Gate } from '../../gateway/gate.ts';
import { GrantProducer } from '../../gateway/grant/grant-producer.ts';
import { grantPoolConfig } from '../../gateway/grant/grant-store.ts';
import { endpointsFromEnv } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import type { GrantProgress } from '../../gateway/grant/grant-progress.ts';
import type { InvalidLine } from '../../gateway/grant/grant-runner.ts';
import { startOpsCli } from '../../ops/run/ops-cli.ts';
import { createCoupon } from './requests.ts';
import { runOps } from './ops-cli.ts';

/** What uploadGrant runs on, against the stack: Redis, a grant's Postgres pool, a grant producer. */
export interface RunnerParts {
  redis: Redis;
  db: pg.Pool;
  producer: GrantProducer;
}

/** RunnerParts opened before the calling file's tests and closed after them. */
export function runnerParts(applicationName: string): RunnerParts {
  const endpoints = endpointsFromEnv();
  const parts = {} as RunnerParts;
  beforeAll(async () => {
    parts.redis = new Redis(endpoints.redisUrl);
    parts.db = new pg.Pool(grantPoolConfig(endpoints.databaseUrl, applicationName));
    parts.producer = await GrantProducer.start(kafkaConnectionFromEnv(), registryConnectionFromEnv());
  });
  afterAll(async () => {
    await parts.producer?.close();
    await parts.db?.end();
    parts.redis?.disconnect();
  });
  return parts;
}

/** A header, then users 1..users, one a line. */
export async function* userLines(users: number): AsyncGenerator<string> {
  yield 'userId';
  for (let u = 1; u <= users; u++) yield String(u);
}


/** A coupon in Postgres with its gate primed, as the admin API creates it. */
export async function grantableCoupon(db: pg.Pool, gate: Gate, totalQuantity: number): Promise<number> {
  const startsAt = new Date(Date.now() - 60_000);
  const couponId = await createCoupon(db, totalQuantity, { startsAt });
  await gate.prime(couponId, { totalQuantity, startsAt: startsAt.getTime(), endsAt: null });
  return couponId;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grant-test-'));
let files = 0;

/** A file of these lines (each followed by a line break); its path. */
export function usersFile(lines: readonly string[], name = `users-${++files}.csv`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

export const resultFile = (): string => path.join(dir, `result-${++files}.csv`);

export interface GrantRun {
  grant: Grant;
  invalidLines: InvalidLine[];
  progress: GrantProgress;
}

/** `ops grant ...` to its end, its --json output parsed; fails with stderr unless it exits 0. */
export async function runGrant(args: string[]): Promise<GrantRun> {
  const run = await runOps(['grant', ...args, '--json']);
  if (run.code !== 0) throw new Error(`grant ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as GrantRun;
}

/** `ops grant ...` started as a child process (to be killed). */
export function startGrant(args: string[]): ChildProcess {
  return startOpsCli(['grant', ...args]).child;
}

