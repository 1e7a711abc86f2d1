/**
 * The real bench CLI, end to end on the stack with tiny sizes: it must finish, exit 0 and write a
 * JSON result with every key and plausible values. It checks the plumbing, not the performance.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../ops/stack/paths.ts';
import type { BenchResult } from '../../ops/bench/report.ts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
const out = path.join(dir, 'bench-smoke.json');
/**
 * A baseline in the starting commit's shape (its one gateway load named `gateway`), at 10
 * connections like one of the loads below; 10 µs a record and a request, so that no ratio rounds to 0.
 */
const baseline = path.join(dir, 'baseline.json');
const BASELINE = {
  started_at: '2026-11-28T00:00:00.000Z',
  processor: { records: 2000 },
  gateway: { concurrency: 10, accepted: 1000 },
  cpu: { 'processor batch': { cpu_s: { processor: 0.01, postgres: 0.005, kafka: 0.005 } }, gateway: { cpu_s: { gateway: 0.01 } } },
};

const TINY = [
  ['--limit-records', '20000'],
  ['--records', '2000'],
  ['--single-records', '100'],
  ['--burst-users', '300'],
  ['--burst-quantity', '50'],
  ['--gateway-seconds', '2'],
  ['--gateway-concurrency', '10,5'],
  ['--e2e-rate', '100'],
  ['--e2e-seconds', '2'],
  ['--hot-records', '2000'],
  ['--hot-connections', '10'],
  ['--hot-seconds', '2'],
  ['--scale-records', '3000'],
  ['--grant-users', '2000'],
  ['--grant-sale-rate', '50'],
].flat();

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const positive = (n: number | null | undefined): void => {
  expect(typeof n).toBe('number');
  expect(n).toBeGreaterThan(0);
  expect(Number.isFinite(n)).toBe(true);
};

describe('npm run bench (tiny sizes)', () => {
  // The scale scenario starts the 3-broker cluster when it is not running (about half a minute).
  it('runs every scenario and writes a complete, plausible JSON result', { timeout: 420_000 }, async () => {
    fs.writeFileSync(baseline, JSON.stringify(BASELINE));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'ops/bench/main.ts', '--out', out, '--baseline', baseline, ...TINY], {
      cwd: ROOT,
      timeout: 415_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: Error & { code?: number; stdout?: string }) => {
      // Exit 2: the bench ran but an invariant was violated; the assertions below say which.
      if (err.code === 2) return { stdout: err.stdout ?? '' };
      throw err;
    });
    expect(stdout).toContain('Targets');
    const r = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchResult;

    for (const key of ['node', 'kafka', 'librdkafka', 'postgres', 'registry'] as const) expect(r.versions[key]).toMatch(/\S/);

    positive(r.limits?.pg_copy_rows_per_s);
    positive(r.limits?.kafka_produce_msgs_per_s);
    positive(r.limits?.kafka_consume_msgs_per_s);

    const p = r.processor!;
    expect(p.records).toBe(2000);
    positive(p.batch_eps);
    positive(p.single_eps);
    expect(Math.abs(p.ratio - p.batch_eps / p.single_eps)).toBeLessThanOrEqual(0.01 * p.ratio + 0.01);
    positive(p.pct_of_limit);
    for (const stages of [p.stages_s, p.single_stages_s]) expect(Object.keys(stages).sort()).toEqual(['commit', 'copy', 'decode', 'merge', 'produce']);
    positive(p.stages_s.merge);

    const b = r.burst!;
    expect(b).toMatchObject({ requests: 300, quantity: 50, accepted: 50, issued: 50 });
    expect(b.answers['202']).toBe(50);
    positive(b.total_s);
    // Negative when the processor committed the last outcome before the gateway's last 202 left.
    expect(Number.isFinite(b.drain_s)).toBe(true);
    expect(b.total_s).toBeGreaterThanOrEqual(b.drain_s);

    const g = r.gateway!;
    expect(g.seconds).toBe(2);
    expect(g.steps.map((st) => st.concurrency)).toEqual([5, 10]);
    for (const st of g.steps) {
      positive(st.rps);
      positive(st.p50_ms);
      expect(st.p50_ms).toBeLessThanOrEqual(st.p99_ms);
    }
    // The capacity is one of the loads, named by its connections.
    expect(g.steps).toContainEqual(Object.fromEntries(Object.keys(g.steps[0]!).map((k) => [k, g[k as keyof typeof g]])));

    const e = r.e2e!;
    expect(e.rate_per_s).toBe(100);
    positive(e.accepted);
    positive(e.p50_ms);
    expect(e.p50_ms).toBeLessThanOrEqual(e.p99_ms);
    expect(e.sent_p50_ms).toBeLessThanOrEqual(e.sent_p99_ms);
    expect(e.accept_p50_ms).toBeLessThanOrEqual(e.accept_p99_ms);
    expect(e.decided_p50_ms).toBeLessThanOrEqual(e.decided_p99_ms);
    expect(e.visible_after_decided_p50_ms).toBeLessThanOrEqual(e.visible_after_decided_p99_ms);
    positive(e.processor_unit_wait_mean_ms);

    const h = r.hot_coupon!;
    expect(h).toMatchObject({ records: 2000, quantity: 1000, e2e_connections: 10, e2e_seconds: 2 });
    positive(h.processor_records_per_s);
    positive(h.e2e_accepted);
    positive(h.e2e_records_per_s);
    expect(h.spread_records_per_s).toBe(p.batch_eps);

    const s = r.scale!;
    expect(s).toMatchObject({ brokers: 3, partitions: 6 });
    expect(s.steps.map((st) => [st.processors, st.records])).toEqual([[1, 3000], [2, 3000], [3, 3000]]);
    for (const st of s.steps) positive(st.records_per_s);
    positive(s.ratio_3_vs_1);

    // CPU by the scenario's own processes, the servers found by their listening ports: the
    // gateway's Redis and broker, each scale step's processors and the cluster's brokers.
    expect(Object.keys(r.cpu['gateway 10']?.us_per_unit ?? {})).toEqual(expect.arrayContaining(['gateway', 'bench', 'redis', 'kafka']));
    expect(r.cpu['gateway 5']?.unit).toBe('accepted request');
    expect(Object.keys(r.cpu['scale 3']?.us_per_unit ?? {})).toEqual(expect.arrayContaining(['processor-1', 'processor-2', 'processor-3', 'kafka', 'postgres']));
    expect(s.steps[2]!.cpu_us_per_record).toEqual(r.cpu['scale 3']?.us_per_unit);
    // Run-queue waits, where the kernel keeps them per thread: the gateway phase's own processes waited for a core.
    if (fs.existsSync(`/proc/self/task/${process.pid}/schedstat`)) {
      expect(Object.keys(r.cpu['gateway 10']?.waiting?.by_role ?? {})).toEqual(expect.arrayContaining(['gateway', 'bench']));
      // Some of them waited; a role with a handful of time slices in so short a phase may not have.
      const waits = Object.values(r.cpu['gateway 10']!.waiting!.ms_per_slice);
      for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(0);
      expect(Math.max(...waits)).toBeGreaterThan(0);
    }

    // Against the baseline: the processor's CPU a record and the gateway's a request at the baseline's 10 connections.
    const rel = r.relative_cpu!;
    expect(rel.baseline).toEqual({ file: baseline, started_at: BASELINE.started_at });
    expect(rel.processor?.baseline_us_per_record).toBe(10);
    positive(rel.processor?.ratio);
    expect(rel.gateway).toMatchObject({ connections: 10, baseline_us_per_request: 10 });
    positive(rel.gateway?.ratio);
    expect(stdout).toMatch(/processor CPU per record vs baseline +<= 0\.4x the --baseline run's +\d/);

    const gr = r.grant!;
    expect(gr).toMatchObject({ users: 2000, issued: 2000, reupload_new_outcomes: 0, reupload_produced: 0, beside_sale_users: 500, sale_rate_per_s: 50 });
    for (const n of [gr.grant_users_per_s, gr.upload_s, gr.beside_sale_users_per_s, gr.vs_processor_batch, gr.vs_processor_drain, gr.reupload_speedup, gr.http_reupload_s, gr.cli_peak_rss_mb, gr.gateway_peak_rss_mb, gr.sale_p99_ms_before]) positive(n);
    expect(gr.sale_p99_ms_during === null || gr.sale_p99_ms_during > 0).toBe(true);
    // Other tests share this Redis: its growth over a small grant may be anything, but it is measured.
    expect(Number.isFinite(gr.redis_bytes_per_user)).toBe(true);

    expect(r.invariants.map((c) => c.scenario)).toEqual(['processor', 'processor', 'burst', 'gateway', 'e2e', 'hot-coupon', 'hot-coupon', 'scale', 'scale', 'scale', 'grant']);
    expect(r.invariants.filter((c) => !c.held)).toEqual([]);
    expect(r.invariants_ok).toBe(true);
  });
});
