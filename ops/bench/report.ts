/**
 * The benchmark's result: its JSON shape, the targets it is judged against, and the table printed
 * at the end. Pure: main.ts fills the result in, this file only checks and renders it.
 */
import { RELATIVE_CPU_TARGETS, type RelativeCpu } from './baseline.ts';
import { FOREIGN_PROCESSOR, isScenarioRole, scenarioMicros, type CpuUsage } from './cpu.ts';

export const SCENARIOS = ['limits', 'processor', 'burst', 'gateway', 'e2e', 'hot-coupon', 'scale', 'grant'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Versions {
  node: string;
  kafka: string;
  librdkafka: string;
  postgres: string;
  registry: string;
}

export interface LimitsResult {
  pg_copy_rows_per_s: number;
  kafka_produce_msgs_per_s: number;
  kafka_consume_msgs_per_s: number;
  /** Rows COPYed and records produced/consumed. */
  rows: number;
  record_bytes: number;
}

export type StageSeconds = Record<'decode' | 'copy' | 'merge' | 'produce' | 'commit', number>;

export interface ProcessorResult {
  records: number;
  batch_eps: number;
  single_eps: number;
  ratio: number;
  /** batch_eps as a percentage of the slowest physical limit; null when the limits did not run. */
  pct_of_limit: number | null;
  single_records: number;
  coupons: number;
  /** Whether each rate is the 10 %..90 % steady state (false: whole-run fallback for tiny inputs). */
  batch_steady: boolean;
  single_steady: boolean;
  batch_drain_s: number;
  single_drain_s: number;
  /** Wall time of each stage summed over the run, from the processor's own histogram. */
  stages_s: StageSeconds;
  single_stages_s: StageSeconds;
  transactions: number;
  mean_batch_size: number;
  produce_input_msgs_per_s: number;
  /** CPU µs per record by process role while each mode drained (empty without /proc). */
  cpu_us_per_record: Record<string, number>;
  single_cpu_us_per_record: Record<string, number>;
}

export interface BurstResult {
  requests: number;
  quantity: number;
  connections: number;
  accepted: number;
  issued: number;
  /** Last committed outcome (visible to a read_committed consumer) − last 202. */
  drain_s: number;
  /** Last committed outcome − first request sent. */
  total_s: number;
  /** The same, with the ledger's max(decided_at) as the last outcome. */
  drain_ledger_s: number;
  answers: Record<string, number>;
}

/** One closed-loop load of the gateway at one number of connections. */
export interface GatewayStep {
  concurrency: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  accepted: number;
  answers: Record<string, number>;
  errors: number;
  /** Mean ms of each step of an accepted request (the gateway's stage histogram): gate, produce, record. */
  stage_mean_ms: Record<string, number>;
  /** CPU µs per accepted request by process role during the load (the load generator is "bench"). */
  cpu_us_per_accepted: Record<string, number>;
}

/** The gateway's capacity: the fields of the fastest load whose p99 met the target (capacity.ts), and every load. */
export interface GatewayResult extends GatewayStep {
  /** Seconds of each load. */
  seconds: number;
  /** Every load, connections ascending. */
  steps: GatewayStep[];
}

export interface E2eResult {
  rate_per_s: number;
  seconds: number;
  /** Seconds of load at the same rate before the measured window. */
  ramp_s: number;
  achieved_rate_per_s: number;
  accepted: number;
  /** requestedAt (the gateway took the request) → coupon-issued visible to a read_committed consumer. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The client's view: request sent → coupon-issued visible (includes waiting to be taken by the gateway). */
  sent_p50_ms: number;
  sent_p99_ms: number;
  /** Client-side time to the 202. */
  accept_p50_ms: number;
  accept_p99_ms: number;
  /**
   * The same path in two legs: requestedAt → the processor's deciding transaction began
   * (issuedAt: the gateway's produce, the broker, the processor's fetch and queue), then → the
   * record visible to read_committed (the rest of the batch, its produce and commit, the reader's
   * fetch). Same host, so the clocks agree.
   */
  decided_p50_ms: number;
  decided_p99_ms: number;
  visible_after_decided_p50_ms: number;
  visible_after_decided_p99_ms: number;
  /**
   * The bench thread's event-loop delay over the load (p99): how late the load generator may send.
   * Sightings are stamped by a reader in a worker thread of its own and do not wait for it.
   */
  bench_loop_delay_p99_ms: number;
  /** Where the time goes: mean ms per accepted request (gateway) and per transaction (processor). */
  gateway_stage_mean_ms: Record<string, number>;
  processor_stage_mean_ms: Record<string, number>;
  processor_mean_batch_size: number;
  /** Mean wait of each unit's first request before the processor took the unit (its fetch and queue). */
  processor_unit_wait_mean_ms: number;
}

export interface HotCouponResult {
  /** Pre-produced requests, all on one coupon (one key, so one partition), drained by one processor. */
  records: number;
  quantity: number;
  processor_records_per_s: number;
  processor_steady: boolean;
  /** The same run's batch_eps over many coupons (processor scenario), for comparison; null when it did not run. */
  spread_records_per_s: number | null;
  mean_batch_size: number;
  stages_s: StageSeconds;
  cpu_us_per_record: Record<string, number>;
  /** Gateway and processor together: `connections` closed-loop on the coupon (it never sells out) for `seconds`. */
  e2e_connections: number;
  e2e_seconds: number;
  e2e_accepted: number;
  e2e_accepted_per_s: number;
  /** Accepted requests / (last outcome committed − first request sent): what the pair decides per second on one coupon. */
  e2e_records_per_s: number;
  e2e_p99_ms: number;
  /** Mean ms of each step of an accepted request in the gateway (gate, produce, record) under that load. */
  e2e_gateway_stage_mean_ms: Record<string, number>;
  e2e_cpu_us_per_accepted: Record<string, number>;
}

export interface ScaleStep {
  processors: number;
  records: number;
  records_per_s: number;
  steady: boolean;
  drain_s: number;
  /** Cores busy while the step drained: the whole machine, and per role (processor-1.., postgres, kafka...). */
  machine_cores: number;
  cores_by_role: Record<string, number>;
  cpu_us_per_record: Record<string, number>;
  bound_by: string;
}

export interface ScaleResult {
  brokers: number;
  partitions: number;
  /** The dedicated topic set the step ran on: <prefix>coupon-issue-requests and its outputs. */
  topic_prefix: string;
  coupons: number;
  cores: number;
  steps: ScaleStep[];
  /** records/s of the last step (3 processors) over the first (1); null when a step is missing. */
  ratio_3_vs_1: number | null;
}

export interface GrantBenchResult {
  users: number;
  /** The first upload's --max-rate (users/s); null: unpaced. */
  max_rate_per_s: number | null;
  issued: number;
  /** ops grant: start of the command → every outcome committed and the grant DONE. */
  grant_s: number;
  grant_users_per_s: number;
  /** Of grant_s, until every request was produced (the rest is the processor catching up). */
  upload_s: number;
  /** grant_users_per_s over the processor scenario's batch rate of the same run (null if it did not run). */
  vs_processor_batch: number | null;
  /**
   * grant_users_per_s over the processor scenario's whole drain (its records over processor ready →
   * last commit: group join, ramp and tail included, as the grant's own time includes its start and
   * tail). Reported beside the target, which judges vs_processor_batch (the steady 10-90 % rate).
   */
  vs_processor_drain: number | null;
  /** The same file again through the CLI. */
  reupload_s: number;
  reupload_speedup: number;
  /** Ledger rows the re-uploads added (must be 0). */
  reupload_new_outcomes: number;
  reupload_produced: number;
  /** The same file once more through POST /api/admin/coupons/:id/grants. */
  http_reupload_s: number;
  cli_peak_rss_mb: number;
  gateway_peak_rss_mb: number;
  /** Growth of Redis's used_memory over the grant, per granted user. */
  redis_bytes_per_user: number;
  /** A second grant of new users, run while the flash sale goes on: its size and throughput. */
  beside_sale_users: number;
  beside_sale_users_per_s: number;
  sale_rate_per_s: number;
  sale_requests: number;
  /** The sale's latency alone, before the grants, and during the second grant. */
  sale_p50_ms_before: number;
  sale_p99_ms_before: number;
  sale_p50_ms_during: number | null;
  sale_p99_ms_during: number | null;
}

export interface InvariantCheck {
  scenario: ScenarioName;
  held: boolean;
  /** One line per invariant: "I1 held: 100 coupons". */
  details: string[];
}

export interface BenchResult {
  started_at: string;
  versions: Versions;
  limits: LimitsResult | null;
  processor: ProcessorResult | null;
  burst: BurstResult | null;
  gateway: GatewayResult | null;
  e2e: E2eResult | null;
  hot_coupon: HotCouponResult | null;
  scale: ScaleResult | null;
  grant: GrantBenchResult | null;
  invariants_ok: boolean;
  invariants: InvariantCheck[];
  cpu: Partial<Record<string, CpuUsage>>;
  /** CPU a unit against a baseline run's (--baseline); null without one. */
  relative_cpu: RelativeCpu | null;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  /** null: not measured in this run, or not under the target's conditions. */
  pass: boolean | null;
}

/** Issue 11's targets (the relative CPU targets, judged against a baseline run: baseline.ts). */
export const TARGETS = {
  batchEps: 40_000,
  pctOfLimit: 25,
  ratio: 150,
  burstDrainS: 2,
  gatewayRps: 12_000,
  gatewayP99Ms: 30,
  e2eP99Ms: 100,
  e2eRate: 1000,
  grantVsBatch: 0.8,
  reuploadSpeedup: 3,
} as const;

/** The slowest of the physical limits (the processor cannot beat it). */
export function slowestLimit(limits: LimitsResult): number {
  return Math.min(limits.pg_copy_rows_per_s, limits.kafka_produce_msgs_per_s, limits.kafka_consume_msgs_per_s);
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function checkTargets(r: BenchResult): TargetCheck[] {
  const p = r.processor;
  const b = r.burst;
  const g = r.gateway;
  const e = r.e2e;
  const h = r.hot_coupon;
  const s = r.scale;
  const gr = r.grant;
  const rel = r.relative_cpu;
  const none = '-';
  const perUnit = Object.entries(r.cpu).filter(([, u]) => u?.us_per_unit !== undefined);
  return [
    { name: 'processor batch throughput', goal: `>= ${fmt(TARGETS.batchEps)} records/s`, measured: p ? `${fmt(p.batch_eps)} records/s` : none, pass: p ? p.batch_eps >= TARGETS.batchEps : null },
    {
      name: 'processor of the slowest limit',
      goal: `>= ${TARGETS.pctOfLimit} % of min(COPY, produce, consume)`,
      measured: p?.pct_of_limit != null ? `${fmt(p.pct_of_limit, 1)} %` : none,
      pass: p?.pct_of_limit != null ? p.pct_of_limit >= TARGETS.pctOfLimit : null,
    },
    { name: 'batch vs single (same run)', goal: `>= ${TARGETS.ratio}x`, measured: p ? `${fmt(p.ratio, 1)}x` : none, pass: p ? p.ratio >= TARGETS.ratio : null },
    { name: 'burst drain', goal: `<= ${TARGETS.burstDrainS} s`, measured: b ? `${fmt(b.drain_s, 2)} s` : none, pass: b ? b.drain_s <= TARGETS.burstDrainS : null },
    { name: 'gateway throughput', goal: `>= ${fmt(TARGETS.gatewayRps)} accepted/s`, measured: g ? `${fmt(g.rps)} accepted/s (${g.concurrency} connections)` : none, pass: g ? g.rps >= TARGETS.gatewayRps : null },
    { name: 'gateway p99', goal: `<= ${TARGETS.gatewayP99Ms} ms`, measured: g ? `${fmt(g.p99_ms, 1)} ms` : none, pass: g ? g.p99_ms <= TARGETS.gatewayP99Ms : null },
    {
      name: 'e2e p99',
      goal: `<= ${TARGETS.e2eP99Ms} ms at ${fmt(TARGETS.e2eRate)} req/s`,
      measured: e ? `${fmt(e.p99_ms, 1)} ms at ${fmt(e.achieved_rate_per_s)} req/s` : none,
      // A lower offered rate is an easier test: the target is only judged at its own rate.
      pass: e && e.rate_per_s >= TARGETS.e2eRate ? e.p99_ms <= TARGETS.e2eP99Ms : null,
    },
    {
      name: 'CPU per unit of work',
      goal: 'reported for every process',
      measured: perUnit.length ? `${perUnit.length} phase(s)` : none,
      pass: perUnit.length ? true : null,
    },
    {
      name: 'processor CPU per record vs baseline',
      goal: `<= ${RELATIVE_CPU_TARGETS.processor}x the --baseline run's`,
      measured: rel?.processor ? `${fmt(rel.processor.ratio, 2)}x (${fmt(rel.processor.us_per_record)} against ${fmt(rel.processor.baseline_us_per_record)} us)` : none,
      pass: rel?.processor ? rel.processor.ratio <= RELATIVE_CPU_TARGETS.processor : null,
    },
    {
      name: 'gateway CPU per request vs baseline',
      goal: `<= ${RELATIVE_CPU_TARGETS.gateway}x the --baseline run's`,
      measured: rel?.gateway ? `${fmt(rel.gateway.ratio, 2)}x (${fmt(rel.gateway.us_per_request)} against ${fmt(rel.gateway.baseline_us_per_request)} us, ${rel.gateway.connections} connections)` : none,
      pass: rel?.gateway ? rel.gateway.ratio <= RELATIVE_CPU_TARGETS.gateway : null,
    },
    {
      name: 'scale 1 -> 2 -> 3 processors',
      goal: 'reported, with the 3-vs-1 ratio',
      measured: s ? `${s.steps.map((st) => fmt(st.records_per_s)).join(' -> ')} records/s${s.ratio_3_vs_1 === null ? '' : `, ${fmt(s.ratio_3_vs_1, 2)}x`}` : none,
      pass: s ? s.ratio_3_vs_1 !== null : null,
    },
    {
      name: 'hot coupon',
      goal: 'reported',
      measured: h ? `${fmt(h.processor_records_per_s)} records/s processor, ${fmt(h.e2e_records_per_s)} /s end to end` : none,
      pass: h ? true : null,
    },
    {
      name: 'bulk grant vs processor batch (same run)',
      goal: `>= ${TARGETS.grantVsBatch}x`,
      measured: gr?.vs_processor_batch != null ? `${fmt(gr.vs_processor_batch, 2)}x (${fmt(gr.grant_users_per_s)} users/s${gr.max_rate_per_s === null ? '' : ', paced'})` : none,
      // A paced grant runs as slowly as it was told to: no measure of how fast it can go.
      pass: gr?.vs_processor_batch != null && gr.max_rate_per_s === null ? gr.vs_processor_batch >= TARGETS.grantVsBatch : null,
    },
    {
      name: 'bulk grant re-upload',
      goal: `>= ${TARGETS.reuploadSpeedup}x faster, 0 new outcomes`,
      measured: gr ? `${fmt(gr.reupload_speedup, 1)}x, ${fmt(gr.reupload_new_outcomes)} new` : none,
      pass: gr ? gr.reupload_speedup >= TARGETS.reuploadSpeedup && gr.reupload_new_outcomes === 0 : null,
    },
  ];
}

/** Left-aligned columns, widths from the widest cell. */
export function columns(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

const verdict = (pass: boolean | null): string => (pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL');

function limitsSection(l: LimitsResult): string {
  return [
    `Physical limits on this machine (${fmt(l.rows)} rows/records of ${l.record_bytes} bytes)`,
    columns([
      ['Postgres COPY into a user_coupons-shaped table (3 unique indexes, v7 event ids)', `${fmt(l.pg_copy_rows_per_s)} rows/s`],
      ['Kafka produce (librdkafka, idempotent, acks=all, lz4)', `${fmt(l.kafka_produce_msgs_per_s)} msgs/s`],
      ['Kafka consume (librdkafka, read_committed)', `${fmt(l.kafka_consume_msgs_per_s)} msgs/s`],
    ]),
  ].join('\n');
}

function msLine(means: Record<string, number>): string {
  const entries = Object.entries(means);
  return entries.length ? entries.map(([k, v]) => `${k} ${fmt(v, 1)} ms`).join(', ') : '-';
}

function usLine(micros: Record<string, number>): string {
  const entries = Object.entries(micros);
  return entries.length ? entries.map(([k, v]) => `${k} ${fmt(v)} us`).join(', ') : '-';
}

function stagesLine(s: StageSeconds): string {
  return (Object.entries(s) as [string, number][]).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
}

function processorSection(p: ProcessorResult): string {
  const steady = (ok: boolean): string => (ok ? 'steady 10-90 %' : 'whole run: input too small for a steady window');
  return [
    `Processor: pre-produced requests over ${fmt(p.coupons)} coupons (half of each coupon's requests win), fresh consumer group`,
    columns([
      ['batch mode', `${fmt(p.batch_eps)} records/s`, `${fmt(p.records)} records, drained in ${fmt(p.batch_drain_s, 1)} s (${steady(p.batch_steady)})`],
      ['single mode', `${fmt(p.single_eps, 1)} records/s`, `${fmt(p.single_records)} records, drained in ${fmt(p.single_drain_s, 1)} s (${steady(p.single_steady)})`],
      ['ratio', `${fmt(p.ratio, 1)}x`, 'batch / single, same run'],
      ['of the slowest limit', p.pct_of_limit === null ? '-' : `${fmt(p.pct_of_limit, 1)} %`, 'batch / min(limits)'],
    ]),
    `  batch stages (s, summed): ${stagesLine(p.stages_s)}; ${fmt(p.transactions)} transactions, mean ${fmt(p.mean_batch_size)} records each`,
    `  single stages (s, summed): ${stagesLine(p.single_stages_s)}`,
    `  CPU per record, batch: ${usLine(p.cpu_us_per_record)}`,
    `  CPU per record, single: ${usLine(p.single_cpu_us_per_record)}`,
    `  input produced at ${fmt(p.produce_input_msgs_per_s)} msgs/s`,
  ].join('\n');
}

function burstSection(b: BurstResult): string {
  return [
    `Burst: ${fmt(b.requests)} distinct users at once (${fmt(b.connections)} connections) for a coupon of ${fmt(b.quantity)}, processor running`,
    columns([
      ['drain', `${fmt(b.drain_s, 2)} s`, 'last 202 -> last outcome committed (read_committed consumer; negative: committed before the last 202 left)'],
      ['drain (ledger)', `${fmt(b.drain_ledger_s, 2)} s`, 'last 202 -> max(decided_at), the start of the deciding Postgres transaction'],
      ['total', `${fmt(b.total_s, 2)} s`, 'first request -> last outcome committed'],
      ['answers', Object.entries(b.answers).map(([s, n]) => `${s}: ${fmt(n)}`).join(', '), `${fmt(b.accepted)} accepted, ${fmt(b.issued)} issued`],
    ]),
  ].join('\n');
}

function gatewaySection(g: GatewayResult): string {
  return [
    `Gateway: ${g.seconds} s at each of ${g.steps.map((s) => s.concurrency).join(', ')} connections, one new user per request, coupon that does not sell out, no processor during the load`,
    columns([
      ['connections', 'accepted/s', 'p50', 'p99', 'CPU us per accepted request'],
      ...g.steps.map((s) => [`${s.concurrency}${s.concurrency === g.concurrency ? ' *' : ''}`, fmt(s.rps), `${fmt(s.p50_ms, 1)} ms`, `${fmt(s.p99_ms, 1)} ms`, usLine(s.cpu_us_per_accepted)]),
    ]),
    `  * the capacity: the fastest load whose p99 is within ${TARGETS.gatewayP99Ms} ms (or, when none is, the one with the lowest p99)`,
    `  at ${g.concurrency} connections: ${fmt(g.accepted)} accepted; answers ${Object.entries(g.answers).map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')}; ${g.errors} errors`,
    `  mean per accepted request (gateway stages): ${msLine(g.stage_mean_ms)}`,
  ].join('\n');
}

function e2eSection(e: E2eResult): string {
  return [
    `End to end: ${fmt(e.rate_per_s)} req/s offered (open loop) for ${e.seconds} s after a ${e.ramp_s} s ramp at the same rate (not counted), processor running`,
    columns([
      ['accept -> committed', `p50 ${fmt(e.p50_ms, 1)} ms`, `p99 ${fmt(e.p99_ms, 1)} ms`, `max ${fmt(e.max_ms, 1)} ms (requestedAt -> coupon-issued visible to read_committed)`],
      ['sent -> committed', `p50 ${fmt(e.sent_p50_ms, 1)} ms`, `p99 ${fmt(e.sent_p99_ms, 1)} ms`, "(the client's clock: includes waiting to be taken by the gateway)"],
      ['HTTP 202', `p50 ${fmt(e.accept_p50_ms, 1)} ms`, `p99 ${fmt(e.accept_p99_ms, 1)} ms`, `${fmt(e.accepted)} accepted, ${fmt(e.achieved_rate_per_s)} req/s achieved`],
      ['accept -> decided', `p50 ${fmt(e.decided_p50_ms, 1)} ms`, `p99 ${fmt(e.decided_p99_ms, 1)} ms`, "(requestedAt -> the processor's deciding transaction began)"],
      ['decided -> committed', `p50 ${fmt(e.visible_after_decided_p50_ms, 1)} ms`, `p99 ${fmt(e.visible_after_decided_p99_ms, 1)} ms`, `(the load generator's event-loop delay p99 ${fmt(e.bench_loop_delay_p99_ms, 1)} ms)`],
    ]),
    `  mean per accepted request (gateway stages): ${msLine(e.gateway_stage_mean_ms)}`,
    `  mean per processor transaction (${fmt(e.processor_mean_batch_size)} records): ${msLine(e.processor_stage_mean_ms)}`,
    `  mean wait of a unit's first request before the processor took it (the consumer's fetch, the partition's queue): ${fmt(e.processor_unit_wait_mean_ms, 1)} ms`,
  ].join('\n');
}

function hotCouponSection(h: HotCouponResult): string {
  const merge = h.stages_s.merge / Math.max(1e-9, Object.values(h.stages_s).reduce((a, b) => a + b, 0));
  return [
    'Hot coupon: every request on one coupon (one record key, so one partition of the requests topic)',
    columns([
      [
        'processor alone',
        `${fmt(h.processor_records_per_s)} records/s`,
        `${fmt(h.records)} pre-produced requests for ${fmt(h.quantity)} units${h.processor_steady ? '' : ' (whole run: input too small for a steady window)'}` +
          (h.spread_records_per_s ? `; ${fmt((100 * h.processor_records_per_s) / h.spread_records_per_s, 0)} % of the many-coupon rate` : ''),
      ],
      [
        'gateway + processor',
        `${fmt(h.e2e_records_per_s)} records/s`,
        `${fmt(h.e2e_accepted)} accepted over ${h.e2e_connections} connections in ${h.e2e_seconds} s (${fmt(h.e2e_accepted_per_s)} accepted/s), first sent -> last committed; p99 ${fmt(h.e2e_p99_ms, 1)} ms to the 202`,
      ],
    ]),
    `  processor stages (s, summed): ${stagesLine(h.stages_s)}; mean ${fmt(h.mean_batch_size)} records per transaction, merge ${fmt(100 * merge)} % of the batch time`,
    `  mean per accepted request (gateway stages): ${msLine(h.e2e_gateway_stage_mean_ms)}`,
    `  CPU per record, processor alone: ${usLine(h.cpu_us_per_record)}`,
    `  CPU per accepted request, gateway + processor: ${usLine(h.e2e_cpu_us_per_accepted)}`,
    '  Why: one key is one partition, one partition is owned by one processor, which decides its batches one after another (the',
    '  next one loaded meanwhile), and every batch locks the one coupon row: more processors or partitions cannot help this coupon.',
  ].join('\n');
}

function scaleSection(s: ScaleResult): string {
  const roles = [...new Set(s.steps.flatMap((st) => Object.keys(st.cpu_us_per_record)))].filter((r) => scenarioMicros({ [r]: 1 }) > 0).sort();
  const notOurs = (micros: Record<string, number>): number => Object.values(micros).reduce((a, b) => a + b, 0) - scenarioMicros(micros) - mainThreads(micros);
  return [
    `Scale-out: 1, 2, 3 processors (one process each, one consumer group per step) on ${s.partitions} partitions of a ${s.brokers}-broker cluster,` +
      ` ${fmt(s.coupons)} coupons, topics ${s.topic_prefix}*; CPU us per record by process`,
    columns([
      ['processors', 'records/s', 'machine', 'bound by', 'scenario', ...roles, 'foreign+other'],
      ...s.steps.map((st) => [
        String(st.processors),
        `${fmt(st.records_per_s)}${st.steady ? '' : '*'}`,
        `${fmt(st.machine_cores, 2)} of ${s.cores}`,
        st.bound_by,
        fmt(scenarioMicros(st.cpu_us_per_record)),
        ...roles.map((r) => (st.cpu_us_per_record[r] === undefined ? '-' : fmt(st.cpu_us_per_record[r]!))),
        fmt(notOurs(st.cpu_us_per_record)),
      ]),
    ]),
    `  3 vs 1: ${s.ratio_3_vs_1 === null ? '-' : `${fmt(s.ratio_3_vs_1, 2)}x`} (* = whole run: input too small for a steady window).` +
      ' When the machine is the bound, more processors add contention, not capacity.',
  ].join('\n');
}

const mainThreads = (micros: Record<string, number>): number => Object.entries(micros).reduce((sum, [role, us]) => sum + (role.endsWith(':main') ? us : 0), 0);

/**
 * A first reading of what bounded a phase: the whole machine (>= 90 % of all cores busy), one
 * JavaScript thread or one role (>= 90 % of a core: e.g. the single Postgres backend of a COPY),
 * or neither (the phase waited on round trips).
 */
export function boundOf(u: CpuUsage): string {
  if (u.machine >= 0.9 * u.cores) return 'machine CPU';
  const busy = Object.entries(u.by_role).filter(([, cores]) => cores >= 0.9);
  const thread = busy.find(([role]) => role.endsWith(':main'));
  if (thread) return `${thread[0]} thread`;
  const [role] = busy.sort((a, b) => b[1] - a[1])[0] ?? [];
  return role ? `${role} (a core)` : 'waiting (no CPU limit)';
}

function cpuSection(cpu: BenchResult['cpu']): string {
  const entries = Object.entries(cpu).filter((e): e is [string, CpuUsage] => e[1] !== undefined);
  if (entries.length === 0) return '';
  const roles = [...new Set(entries.flatMap(([, u]) => Object.keys(u.by_role)))].sort();
  const cores = entries[0]![1].cores;
  return [
    `CPU during each measured phase (cores busy; 1.00 = one core saturated; the machine has ${cores}; ":main" = that process's JavaScript thread;`,
    '  "machine" counts everything, the roles miss processes that ended within the phase; "foreign-*" and "other": not this scenario\'s)',
    columns([
      ['phase', 'wall s', 'machine', ...roles, 'bound by'],
      ...entries.map(([phase, u]) => [phase, fmt(u.wall_s, 1), fmt(u.machine, 2), ...roles.map((r) => (u.by_role[r] === undefined ? '-' : fmt(u.by_role[r]!, 2))), boundOf(u)]),
    ]),
    waitingTable(entries),
    perUnitTable(entries),
  ].filter(Boolean).join('\n');
}

/** How long the scenario's threads waited for a core in each phase, where the kernel reports it. */
function waitingTable(entries: [string, CpuUsage][]): string {
  const measured = entries.filter((e): e is [string, CpuUsage & { waiting: NonNullable<CpuUsage['waiting']> }] => e[1].waiting !== undefined);
  if (measured.length === 0) return '';
  // The ":main" roles stay: a Node process's JavaScript thread waiting for a core delays everything it handles.
  const roles = [...new Set(measured.flatMap(([, u]) => Object.keys(u.waiting.by_role)))].filter(isScenarioRole).sort();
  const cell = (w: NonNullable<CpuUsage['waiting']>, role: string): string =>
    w.by_role[role] === undefined ? '-' : `${fmt(w.by_role[role]!, 2)} (${fmt(w.ms_per_slice[role]!, 2)})`;
  return [
    'Waiting for a core in each phase ("pressure": share of the time some task was ready but not running, /proc/pressure/cpu;',
    '  per role: seconds its threads spent ready but not running, per second, and (in brackets) the mean such wait in ms each time one got a core;',
    '  ":main": the JavaScript thread alone — waiting as long as it runs doubles the time of everything it handles)',
    columns([
      ['phase', 'pressure', ...roles],
      ...measured.map(([phase, u]) => [phase, u.waiting.pressure === undefined ? '-' : `${Math.round(u.waiting.pressure * 100)} %`, ...roles.map((r) => cell(u.waiting, r))]),
    ]),
  ].join('\n');
}

/** CPU µs per unit of work of every phase that counted its units, per process role of the scenario. */
function perUnitTable(entries: [string, CpuUsage][]): string {
  const counted = entries.filter((e): e is [string, CpuUsage & { us_per_unit: Record<string, number> }] => e[1].us_per_unit !== undefined);
  if (counted.length === 0) return '';
  const roles = [...new Set(counted.flatMap(([, u]) => Object.keys(u.us_per_unit)))].filter((r) => !r.endsWith(':main')).sort();
  return [
    'CPU us per unit of work (the scenario\'s processes: the bench is the load generator; "scenario" sums them, foreign ones left out)',
    columns([
      ['phase', 'unit', 'scenario', ...roles],
      ...counted.map(([phase, u]) => [phase, u.unit ?? '-', fmt(scenarioMicros(u.us_per_unit)), ...roles.map((r) => (u.us_per_unit[r] === undefined ? '-' : fmt(u.us_per_unit[r]!)))]),
    ]),
  ].join('\n');
}

export function foreignProcessorsSeen(r: BenchResult): boolean {
  return Object.values(r.cpu).some((u) => (u?.by_role[FOREIGN_PROCESSOR] ?? 0) > 0);
}

function grantSection(g: GrantBenchResult): string {
  return [
    `Bulk grant: ${fmt(g.users)} users by ops grant${g.max_rate_per_s === null ? '' : ` --max-rate ${fmt(g.max_rate_per_s)}`} (file read -> every outcome committed), then ${fmt(g.beside_sale_users)} more beside a flash sale at ${fmt(g.sale_rate_per_s)} req/s on the same coupon`,
    columns([
      ['grant', `${fmt(g.grant_users_per_s)} users/s`, `${fmt(g.grant_s, 1)} s (every request produced after ${fmt(g.upload_s, 1)} s), ${fmt(g.issued)} issued; ${g.vs_processor_batch === null ? 'processor scenario not run' : `${fmt(g.vs_processor_batch, 2)}x the processor's batch rate of this run (${fmt(g.vs_processor_drain ?? NaN, 2)}x its whole drain)`}`],
      ['re-upload (CLI)', `${fmt(g.reupload_s, 1)} s`, `${fmt(g.reupload_speedup, 1)}x faster; ${fmt(g.reupload_produced)} produced, ${fmt(g.reupload_new_outcomes)} new outcomes`],
      ['re-upload (HTTP)', `${fmt(g.http_reupload_s, 1)} s`, 'POST /api/admin/coupons/:id/grants, streamed'],
      ['peak RSS', `CLI ${fmt(g.cli_peak_rss_mb)} MiB`, `gateway ${fmt(g.gateway_peak_rss_mb)} MiB`],
      ['Redis', `${fmt(g.redis_bytes_per_user)} bytes a user`, 'growth of used_memory over the grant'],
      ['beside a sale', `${fmt(g.beside_sale_users_per_s)} users/s`, `the second grant, ${fmt(g.beside_sale_users)} users, while the sale ran`],
      ['flash sale', `p99 ${fmt(g.sale_p99_ms_before, 1)} ms before`, `p99 ${g.sale_p99_ms_during === null ? '-' : fmt(g.sale_p99_ms_during, 1)} ms during the second grant (p50 ${fmt(g.sale_p50_ms_before, 1)} / ${g.sale_p50_ms_during === null ? '-' : fmt(g.sale_p50_ms_during, 1)} ms); ${fmt(g.sale_requests)} requests`],
    ]),
  ].join('\n');
}

export function renderTable(r: BenchResult): string {
  const v = r.versions;
  const sections = [
    `Coupon issuance benchmark, ${r.started_at}: node ${v.node}, Kafka ${v.kafka}, librdkafka ${v.librdkafka}, Postgres ${v.postgres}, registry ${v.registry}`,
    r.limits && limitsSection(r.limits),
    r.processor && processorSection(r.processor),
    r.burst && burstSection(r.burst),
    r.gateway && gatewaySection(r.gateway),
    r.e2e && e2eSection(r.e2e),
    r.hot_coupon && hotCouponSection(r.hot_coupon),
    r.scale && scaleSection(r.scale),
    r.grant && grantSection(r.grant),
    cpuSection(r.cpu),
    ['Targets', columns([['target', 'goal', 'measured', 'result'], ...checkTargets(r).map((t) => [t.name, t.goal, t.measured, verdict(t.pass)])])].join('\n'),
    [
      `Invariants I1-I4: ${r.invariants_ok ? 'held' : 'VIOLATED'} after ${r.invariants.length} scenario(s)`,
      ...r.invariants.filter((c) => !c.held).flatMap((c) => [`  ${c.scenario}:`, ...c.details.map((d) => `    ${d}`)]),
      ...(!r.invariants_ok && foreignProcessorsSeen(r)
        ? ['  Note: processors not started by this bench were busy during the run. One on the bench\'s topics (another bench',
           '  run at the same time) decides the bench\'s records too and emits its own committed outputs: I3 then counts more than one.']
        : []),
    ].join('\n'),
  ];
  return sections.filter(Boolean).join('\n\n');
}
