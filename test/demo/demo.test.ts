/**
 * `npm run demo`'s CLI, run as a user would (a child process on the real stack), in a short
 * version: 300 users for 50 coupons, 20 accepted users asking again, one of each malformed
 * request. Its JSON summary must show the exact figures those numbers imply and every invariant
 * held; its terminal output must be its own readable lines, not the services' JSON logs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaConnectionFromEnv, kafkaJsClient } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv, registryRequest } from '../../platform/registry-config.ts';
import { MALFORMED } from '../../ops/demo/flash-sale.ts';
import type { DemoSummary } from '../../ops/demo/summary.ts';
import { ROOT } from '../../ops/stack/paths.ts';

const USERS = 300;
const QUANTITY = 50;
const REPEATS = 20;
const MALFORMED_COUNT = MALFORMED.length;
const RUN_TIMEOUT_MS = 150_000;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ReturnType<typeof spawn>>();

/** Runs the demo CLI to its end; kills it (SIGTERM: it stops its services) past the deadline. */
function runDemo(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/demo/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(() => {
  for (const child of running) child.kill('SIGTERM');
});

describe('npm run demo', () => {
  it('prints its options with --help and refuses a bad one with exit code 2', async () => {
    const help = await runDemo(['--help']);
    expect(help.code).toBe(0);
    for (const option of ['--users', '--quantity', '--concurrency', '--repeats', '--malformed', '--keep-running', '--json']) expect(help.stdout).toContain(option);

    const bad = await runDemo(['--users', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--users must be a whole number');
  });

  it(
    'runs a flash sale end to end: exact counts, plausible latencies, every invariant held',
    async () => {
      const jsonFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-test-')), 'summary.json');
      const run = await runDemo([
        ...['--users', String(USERS), '--quantity', String(QUANTITY), '--repeats', String(REPEATS)],
        ...['--malformed', String(MALFORMED_COUNT), '--concurrency', '25', '--json', jsonFile],
      ]);
      expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);

      const summary = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as DemoSummary;
      // The gate: the first QUANTITY users get in, every other user finds it sold out, the
      // accepted users who ask again are told so, and every malformed request is refused.
      expect(summary.sale.requests).toBe(USERS + REPEATS + MALFORMED_COUNT);
      expect(summary.gate).toEqual({ accepted: QUANTITY, alreadyRequested: REPEATS, soldOut: USERS - QUANTITY, badRequest: MALFORMED_COUNT, other: 0, otherAnswers: {} });
      // The processor: every accepted request is issued; nothing is rejected or dead-lettered.
      expect(summary.processor).toEqual({ issued: QUANTITY, rejected: 0, rejectedByReason: {}, deadLetters: 0 });
      expect(summary.invariants.map((i) => [i.name, i.held])).toEqual([
        ['I1', true],
        ['I2', true],
        ['I3', true],
        ['I4', true],
      ]);
      expect(summary.allHeld).toBe(true);

      const { http, httpAccepted, endToEnd } = summary.latency;
      expect(http).toMatchObject({ count: USERS + REPEATS + MALFORMED_COUNT });
      expect(httpAccepted).toMatchObject({ count: QUANTITY });
      expect(endToEnd).toMatchObject({ count: QUANTITY });
      for (const stats of [http!, httpAccepted!, endToEnd!]) {
        expect(stats.p50Ms).toBeGreaterThan(0);
        expect(stats.p99Ms).toBeGreaterThanOrEqual(stats.p50Ms);
        expect(stats.maxMs).toBeGreaterThanOrEqual(stats.p99Ms);
        expect(stats.maxMs).toBeLessThan(60_000);
      }
      expect(summary.drainSeconds).toBeGreaterThanOrEqual(0);
      expect(summary.drainSeconds).toBeLessThan(60);

      // What the user reads: the summary and where things are, no service log lines.
      expect(run.stdout).toMatch(new RegExp(`accepted \\(202\\)\\s+${QUANTITY}\\n`));
      for (const name of ['I1', 'I2', 'I3', 'I4']) expect(run.stdout).toContain(`${name} held`);
      expect(run.stdout).toContain('every invariant held');
      expect(run.stdout).toContain('npm run stack:down');
      expect(run.stdout).toMatch(/gateway\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(run.stdout).not.toMatch(/^\{"level"/m);
      expect(run.stderr).toBe('');

      // Its own topics (and subjects), gone once it stopped: nothing is left to another run.
      const prefix = /topics (demo-[a-z0-9]+\.)\*/.exec(run.stdout)?.[1];
      expect(prefix).toBeDefined();
      expect(run.stdout).toContain(`removed the run's topics ${prefix}* and their subjects`);
      const admin = kafkaJsClient(kafkaConnectionFromEnv(), { logLevel: KafkaJS.logLevel.NOTHING }).admin();
      await admin.connect();
      const topics = await admin.listTopics().finally(() => admin.disconnect());
      expect(topics.filter((t) => t.startsWith(prefix!))).toEqual([]);
      const subjects = JSON.parse((await registryRequest(registryConnectionFromEnv(), '/subjects', { timeoutMs: 10_000 })).body) as string[];
      expect(subjects.filter((s) => s.startsWith(prefix!))).toEqual([]);
    },
    RUN_TIMEOUT_MS + 10_000,
  );
});
