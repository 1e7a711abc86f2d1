import { describe, expect, it } from 'vitest';
import { boundOf, checkTargets, columns, renderTable, slowestLimit, type BenchResult } from './report.ts';

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
    gateway: { concurrency: 100, seconds: 20, rps: 6000, p50_ms: 15, p99_ms: 60, accepted: 120_000, answers: { '202': 120_000 }, errors: 0, stage_mean_ms: { gate: 1, produce: 10, record: 1 }, cpu_us_per_accepted: { gateway: 150, bench: 60 } },
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
      gateway_stage_mean_ms: { gate: 1, produce: 3, record: 0.5 },
      processor_stage_mean_ms: { decode: 1, copy: 2, merge: 10, produce: 5, commit: 8 },
      processor_mean_batch_size: 30,
    },
    invariants_ok: true,
    invariants: [{ scenario: 'processor', held: true, details: ['I1 held: ...'] }],
    cpu: { gateway: { wall_s: 20, machine: 2, cores: 2, by_role: { gateway: 1, 'gateway:main': 0.97, bench: 0.8 }, cpu_s: { gateway: 20, 'gateway:main': 19.4, bench: 16 } } },
    ...overrides,
  };
}

const verdicts = (r: BenchResult): Record<string, boolean | null> => Object.fromEntries(checkTargets(r).map((t) => [t.name, t.pass]));

describe('checkTargets', () => {
  it('judges every target against its goal', () => {
    expect(verdicts(result())).toEqual({
      'processor batch throughput': true,
      'batch vs single (same run)': true,
      'burst drain': true,
      'gateway throughput': false,
      'gateway p99': false,
      'e2e p99': true,
    });
  });

  it('treats the goals as inclusive bounds', () => {
    const r = result();
    r.processor!.batch_eps = 20_000;
    r.processor!.ratio = 50;
    r.burst!.drain_s = 2;
    r.gateway!.rps = 10_000;
    r.gateway!.p99_ms = 50;
    r.e2e!.p99_ms = 250;
    expect(Object.values(verdicts(r))).toEqual([true, true, true, true, true, true]);
  });

  it('fails what misses its goal', () => {
    const r = result();
    r.processor!.batch_eps = 12_000;
    r.processor!.ratio = 49.9;
    r.burst!.drain_s = 2.01;
    r.e2e!.p99_ms = 251;
    const v = verdicts(r);
    expect([v['processor batch throughput'], v['batch vs single (same run)'], v['burst drain'], v['e2e p99']]).toEqual([false, false, false, false]);
  });

  it('says n/a for scenarios that did not run, and for e2e below the target rate', () => {
    const r = result({ processor: null, burst: null, gateway: null });
    r.e2e!.rate_per_s = 100;
    expect(Object.values(verdicts(r))).toEqual([null, null, null, null, null, null]);
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

describe('columns', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(columns([['a', 'bb', 'c'], ['ccc', 'd', 'e']], '')).toBe('a    bb  c\nccc  d   e');
  });
});

describe('renderTable', () => {
  it('shows every scenario, the CPU table, the targets with their verdicts and the invariants', () => {
    const table = renderTable(result());
    for (const text of ['Physical limits', '150,000 rows/s', 'batch mode', '25,000 records/s', '333.3x', 'Burst', 'Gateway', '6,000 /s', 'End to end', 'gateway:main', 'FAIL', 'PASS', 'Invariants I1-I4: held']) {
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
