import { describe, expect, it } from 'vitest';
import { boundOf, checkTargets, columns, renderTable, slowestLimit, type BenchResult, type GatewayStep } from './report.ts';

const gatewayStep: GatewayStep = { concurrency: 100, rps: 6000, p50_ms: 15, p99_ms: 60, accepted: 120_000, answers: { '202': 120_000 }, errors: 0, stage_mean_ms: { gate: 1, produce: 10, record: 1 }, cpu_us_per_accepted: { gateway: 150, bench: 60 } };

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    started_at: '2030-01-01T00:00:00.000Z',
    versions: { node: 'v20.0.0', kafka: '4.1.1', librdkafka: '2.15.1', postgres: '15.18', registry: 'Apicurio Registry 3.3.3' },
    limits: { pg_copy_rows_per_s: 150_000, kafka_produce_msgs_per_s: 90_000, kafka_consume_msgs_per_s: 300_000, rows: 500_000, record_bytes: 52 },
    processor: {
      records: 200_000,
      batch_eps: 25_000,
      single_eps: 75,
      ratio: 333.33,
      pct_of_limit: 27.8,
      single_records: 2500,
      coupons: 100,
      batch_steady: true,
      single_steady: true,
      batch_drain_s: 9,
      single_drain_s: 35,
      stages_s: { decode: 0.6, copy: 0.5, merge: 3, produce: 1.5, commit: 0.03 },
      single_stages_s: { decode: 0.1, copy: 0, merge: 10, produce: 20, commit: 3 },
      transactions: 40,
      mean_batch_size: 5000,
      produce_input_msgs_per_s: 80_000,
      cpu_us_per_record: { processor: 40, postgres: 30 },
      single_cpu_us_per_record: { processor: 4000, kafka: 6000 },
    },
    burst: { requests: 10_000, quantity: 1000, connections: 1000, accepted: 1000, issued: 1000, drain_s: 0.4, total_s: 2.1, drain_ledger_s: 0.3, answers: { '202': 1000, '409': 9000 } },
    gateway: {
      ...gatewayStep,
      seconds: 20,
      steps: [gatewayStep, { ...gatewayStep, concurrency: 200, rps: 7000, p50_ms: 25, p99_ms: 90 }],
    },
    e2e: {
      rate_per_s: 1000,
      seconds: 10,
      ramp_s: 2,
      achieved_rate_per_s: 998,
      accepted: 9980,
      p50_ms: 60,
      p99_ms: 180,
      max_ms: 300,
      sent_p50_ms: 70,
      sent_p99_ms: 200,
      accept_p50_ms: 4,
      accept_p99_ms: 20,
      decided_p50_ms: 30,
      decided_p99_ms: 90,
      visible_after_decided_p50_ms: 30,
      visible_after_decided_p99_ms: 90,
      bench_loop_delay_p99_ms: 5,
      gateway_stage_mean_ms: { gate: 1, produce: 3, record: 0.5 },
      processor_stage_mean_ms: { decode: 1, copy: 2, merge: 10, produce: 5, commit: 8 },
      processor_mean_batch_size: 30,
      processor_unit_wait_mean_ms: 21.5,
    },
    hot_coupon: {
      records: 20_000,
      quantity: 10_000,
      processor_records_per_s: 9000,
      processor_steady: true,
      spread_records_per_s: 25_000,
      mean_batch_size: 2500,
      stages_s: { decode: 0.1, copy: 0.1, merge: 1, produce: 0.4, commit: 0.1 },
      cpu_us_per_record: { processor: 50, postgres: 40 },
      e2e_connections: 50,
      e2e_seconds: 10,
      e2e_accepted: 40_000,
      e2e_accepted_per_s: 4000,
      e2e_records_per_s: 3500,
      e2e_p99_ms: 25,
      e2e_gateway_stage_mean_ms: { gate: 1, produce: 4, record: 0.5 },
      e2e_cpu_us_per_accepted: { gateway: 120, processor: 60 },
    },
    scale: {
      brokers: 3,
      partitions: 6,
      topic_prefix: 'bench-scale.',
      coupons: 120,
      cores: 2,
      steps: [1, 2, 3].map((n) => ({
        processors: n,
        records: 100_000,
        records_per_s: 10_000 + 1000 * n,
        steady: true,
        drain_s: 10,
        machine_cores: 1.9,
        cores_by_role: { 'processor-1': 0.8 },
        cpu_us_per_record: { 'processor-1': 60, postgres: 50, kafka: 30 },
        bound_by: 'machine CPU',
      })),
      ratio_3_vs_1: 1.18,
    },
    grant: {
      users: 1_000_000,
      max_rate_per_s: null,
      issued: 1_000_000,
      grant_s: 60,
      grant_users_per_s: 16_667,
      upload_s: 30,
      vs_processor_batch: 0.67,
      vs_processor_drain: 0.9,
      reupload_s: 10,
      reupload_speedup: 6,
      reupload_new_outcomes: 0,
      reupload_produced: 0,
      http_reupload_s: 11,
      cli_peak_rss_mb: 150,
      gateway_peak_rss_mb: 180,
      redis_bytes_per_user: 120,
      beside_sale_users: 250_000,
      beside_sale_users_per_s: 14_000,
      sale_rate_per_s: 200,
      sale_requests: 12_000,
      sale_p50_ms_before: 5,
      sale_p99_ms_before: 20,
      sale_p50_ms_during: 8,
      sale_p99_ms_during: 40,
    },
    invariants_ok: true,
    invariants: [{ scenario: 'processor', held: true, details: ['I1 held: ...'] }],
    cpu: {
      gateway: {
        wall_s: 20,
        machine: 2,
        cores: 2,
        by_role: { gateway: 1, 'gateway:main': 0.97, bench: 0.8, 'foreign-kafka': 0.1 },
        cpu_s: { gateway: 20, 'gateway:main': 19.4, bench: 16, 'foreign-kafka': 2 },
        unit: 'accepted request',
        units: 100_000,
        us_per_unit: { gateway: 200, 'gateway:main': 194, bench: 160, 'foreign-kafka': 20 },
      },
    },
    relative_cpu: {
      baseline: { file: 'start.json', started_at: '2030-01-01T00:00:00.000Z' },
      processor: { us_per_record: 50, baseline_us_per_record: 100, ratio: 0.5 },
      gateway: { connections: 100, us_per_request: 90, baseline_us_per_request: 200, ratio: 0.45 },
    },
    ...overrides,
  };
}

const verdicts = (r: BenchResult): Record<string, boolean | null> => Object.fromEntries(checkTargets(r).map((t) => [t.name, t.pass]));

describe('checkTargets', () => {
  it('judges every target against its goal', () => {
    expect(verdicts(result())).toEqual({
      'processor batch throughput': false,
      'processor of the slowest limit': true,
      'batch vs single (same run)': true,
      'burst drain': true,
      'gateway throughput': false,
      'gateway p99': false,
      'e2e p99': false,
      'CPU per unit of work': true,
      'processor CPU per record vs baseline': false,
      'gateway CPU per request vs baseline': true,
      'scale 1 -> 2 -> 3 processors': true,
      'hot coupon': true,
      'bulk grant vs processor batch (same run)': false,
      'bulk grant re-upload': true,
    });
  });

  it('treats the goals as inclusive bounds', () => {
    const r = result();
    r.processor!.batch_eps = 40_000;
    r.processor!.pct_of_limit = 25;
    r.processor!.ratio = 150;
    r.burst!.drain_s = 2;
    r.gateway!.rps = 12_000;
    r.gateway!.p99_ms = 30;
    r.e2e!.p99_ms = 100;
    r.grant!.vs_processor_batch = 0.8;
    r.grant!.reupload_speedup = 3;
    r.relative_cpu!.processor!.ratio = 0.4;
    r.relative_cpu!.gateway!.ratio = 0.5;
    expect(Object.values(verdicts(r)).every((v) => v === true)).toBe(true);
  });

  it('fails what misses its goal', () => {
    const r = result();
    r.processor!.batch_eps = 39_999;
    r.processor!.pct_of_limit = 24.9;
    r.processor!.ratio = 149.9;
    r.burst!.drain_s = 2.01;
    r.e2e!.p99_ms = 101;
    r.grant!.reupload_new_outcomes = 1;
    r.relative_cpu!.gateway!.ratio = 0.51;
    const v = verdicts(r);
    const judged = ['processor batch throughput', 'processor of the slowest limit', 'batch vs single (same run)', 'burst drain', 'e2e p99', 'bulk grant re-upload', 'gateway CPU per request vs baseline'];
    expect(judged.map((name) => v[name])).toEqual([false, false, false, false, false, false, false]);
  });

  it('says n/a for scenarios that did not run, for e2e below the target rate, and for the relative CPU without a baseline', () => {
    const r = result({ processor: null, burst: null, gateway: null, hot_coupon: null, scale: null, grant: null, cpu: {}, relative_cpu: null });
    r.e2e!.rate_per_s = 100;
    expect(Object.values(verdicts(r)).every((v) => v === null)).toBe(true);
  });

  it('does not count a scale run without both ends as reported', () => {
    const r = result();
    r.scale!.ratio_3_vs_1 = null;
    expect(verdicts(r)['scale 1 -> 2 -> 3 processors']).toBe(false);
  });
});

describe('slowestLimit', () => {
  it('is the minimum of the three ceilings', () => {
    expect(slowestLimit(result().limits!)).toBe(90_000);
  });
});

describe('boundOf', () => {
  const usage = (machine: number, by_role: Record<string, number>) => ({ wall_s: 10, machine, cores: 2, by_role, cpu_s: {} });
  it('names the machine when nearly every core is busy', () => {
    expect(boundOf(usage(1.85, { 'gateway:main': 0.95 }))).toBe('machine CPU');
  });
  it('names a saturated JavaScript thread otherwise', () => {
    expect(boundOf(usage(1.4, { gateway: 1.1, 'gateway:main': 0.96, bench: 0.3 }))).toBe('gateway:main thread');
  });
  it('names a role busy for a whole core, e.g. the one Postgres backend of a COPY', () => {
    expect(boundOf(usage(1.05, { postgres: 0.97, bench: 0.02 }))).toBe('postgres (a core)');
  });
  it('says the phase waited when neither is saturated', () => {
    expect(boundOf(usage(0.6, { 'processor:main': 0.3 }))).toBe('waiting (no CPU limit)');
  });
});

describe('the CPU per unit table', () => {
  it("sums the scenario's processes and shows foreign ones apart", () => {
    const line = renderTable(result()).split('\n').find((l) => l.trimStart().startsWith('gateway  accepted request'));
    // bench 160 + gateway 200 = 360; foreign-kafka shown, not summed; the main thread not a column.
    expect(line?.split(/\s{2,}/).slice(1)).toEqual(['gateway', 'accepted request', '360', '160', '20', '200']);
  });
});

describe('the waiting-for-a-core table', () => {
  it("shows the pressure and each of the scenario's roles' (and JavaScript threads') wait a second with its mean wait a time slice", () => {
    const waiting = { pressure: 0.62, by_role: { kafka: 0.79, gateway: 0.66, 'gateway:main': 0.3, 'foreign-kafka': 0.1 }, ms_per_slice: { kafka: 0.17, gateway: 0.19, 'gateway:main': 0.5, 'foreign-kafka': 0.2 } };
    const r = result();
    const table = renderTable({ ...r, cpu: { gateway: { ...r.cpu.gateway!, waiting } } }).split('\n');
    const header = table.findIndex((l) => l.startsWith('Waiting for a core'));
    expect(table[header + 3]!.trim().split(/\s{2,}/)).toEqual(['phase', 'pressure', 'gateway', 'gateway:main', 'kafka']);
    expect(table[header + 4]!.trim().split(/\s{2,}/)).toEqual(['gateway', '62 %', '0.66 (0.19)', '0.30 (0.50)', '0.79 (0.17)']);
  });

  it('is left out where no phase measured it', () => {
    expect(renderTable(result())).not.toContain('Waiting for a core');
  });
});

describe('columns', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(columns([['a', 'bb', 'c'], ['ccc', 'd', 'e']], '')).toBe('a    bb  c\nccc  d   e');
  });
});

describe('renderTable', () => {
  it('shows every scenario, the CPU table, the targets with their verdicts and the invariants', () => {
    const table = renderTable(result());
    for (const text of [
      'Physical limits',
      '150,000 rows/s',
      'batch mode',
      '25,000 records/s',
      '333.3x',
      'Burst',
      'Gateway: 20 s at each of 100, 200 connections',
      '100 *',
      'the capacity: the fastest load whose p99 is within 30 ms',
      'End to end',
      "mean wait of a unit's first request before the processor took it (the consumer's fetch, the partition's queue): 21.5 ms",
      'Hot coupon',
      '9,000 records/s',
      "0.67x the processor's batch rate of this run (0.90x its whole drain)",
      '36 % of the many-coupon rate',
      'Scale-out',
      '3 vs 1: 1.18x',
      'gateway:main',
      'CPU us per unit of work',
      'FAIL',
      'PASS',
      'Invariants I1-I4: held',
    ]) {
      expect(table).toContain(text);
    }
  });

  it('leaves out what did not run and lists violated invariants', () => {
    const table = renderTable(
      result({
        limits: null,
        processor: null,
        invariants_ok: false,
        invariants: [{ scenario: 'burst', held: false, details: ['I3 VIOLATED: every accepted request ... (3 with more than one)'] }],
        cpu: { burst: { wall_s: 2, machine: 2, cores: 2, by_role: { 'foreign-processor': 0.5 }, cpu_s: { 'foreign-processor': 1 } } },
      }),
    );
    expect(table).not.toContain('Physical limits');
    expect(table).not.toContain('batch mode');
    expect(table).toContain('Invariants I1-I4: VIOLATED');
    expect(table).toContain('I3 VIOLATED');
    expect(table).toContain('processors not started by this bench');
  });
});
