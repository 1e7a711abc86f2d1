/** The bench's command line (the ops tools' parser), parsed and validated into BenchOptions. */
import { parseOptions, UsageError } from '../cli/args.ts';
import { RELATIVE_CPU_TARGETS } from './baseline.ts';
import { SCENARIOS, type ScenarioName } from './report.ts';

export interface BenchOptions {
  out: string | undefined;
  /** The JSON of a baseline run on this machine, this session (baseline.ts): the relative CPU targets are judged against it. */
  baseline: string | undefined;
  only: ScenarioName[];
  limitRecords: number;
  records: number;
  singleRecords: number;
  burstUsers: number;
  burstQuantity: number;
  burstConnections: number;
  /** Seconds of each gateway load. */
  gatewaySeconds: number;
  /** Connections of each gateway load, ascending (the capacity is the fastest within the p99 target: capacity.ts). */
  gatewayConcurrency: number[];
  e2eRate: number;
  e2eSeconds: number;
  hotRecords: number;
  hotConnections: number;
  hotSeconds: number;
  grantUsers: number;
  grantSaleRate: number;
  /** The grant's --max-rate (users/s); undefined: unpaced. */
  grantMaxRate?: number;
  scaleRecords: number;
}

export const DEFAULTS: Omit<BenchOptions, 'out' | 'baseline' | 'only'> = {
  limitRecords: 500_000,
  records: 200_000,
  singleRecords: 2_500,
  burstUsers: 10_000,
  burstQuantity: 1_000,
  burstConnections: 1_000,
  gatewaySeconds: 10,
  gatewayConcurrency: [100, 200, 300],
  e2eRate: 1_000,
  e2eSeconds: 10,
  hotRecords: 50_000,
  hotConnections: 50,
  hotSeconds: 10,
  grantUsers: 1_000_000,
  grantSaleRate: 200,
  scaleRecords: 100_000,
};

export const HELP = `Usage: npm run bench -- [--out FILE] [options]

Runs the benchmarks against the running stack (npm run stack:up), prints a table and, with --out,
writes the result as JSON. The services it starts use topics of this run's own (bench-<run>.*, deleted
at the end), so processors of other groups, other benches or a demo cannot touch its requests. Every processor run uses a fresh
consumer group set to the end of the requests topic before its input is produced; I1-I4 are
checked after every scenario.

Scenarios (in this order): limits, processor, burst, gateway, e2e, hot-coupon, scale, grant
(scale runs on the stack's 3-broker cluster; a cluster it had to start it stops again after the scenario)
  --only LIST               comma-separated subset, e.g. --only limits,processor
  --out FILE                write the JSON result to FILE (bench-*.json is git-ignored)
  --baseline FILE           the --out JSON of a run of the commit the relative CPU targets count from
                            (the performance work's starting commit), on this machine in this session:
                            judges processor CPU a record <= ${RELATIVE_CPU_TARGETS.processor}x and gateway CPU a request <= ${RELATIVE_CPU_TARGETS.gateway}x its

Sizes
  --limit-records N         rows COPYed / records produced and consumed for the limits (${DEFAULTS.limitRecords})
  --records N               requests drained by the processor in batch mode (${DEFAULTS.records})
  --single-records N        requests drained in single mode (${DEFAULTS.singleRecords})
  --burst-users N           distinct users of the flash sale (${DEFAULTS.burstUsers})
  --burst-quantity N        the flash sale coupon's quantity (${DEFAULTS.burstQuantity})
  --burst-connections N     HTTP connections the burst is sent over, at most the users (${DEFAULTS.burstConnections})
  --gateway-seconds N       length of each gateway load (${DEFAULTS.gatewaySeconds})
  --gateway-concurrency L   connections of each gateway load, a comma-separated list (${DEFAULTS.gatewayConcurrency.join(',')});
                            the gateway's capacity is the fastest of them whose p99 meets the target
  --e2e-rate N              offered requests per second of the end-to-end run (${DEFAULTS.e2eRate})
  --e2e-seconds N           length of the end-to-end run (${DEFAULTS.e2eSeconds})
  --hot-records N           requests on the one hot coupon drained by the processor alone (${DEFAULTS.hotRecords})
  --hot-connections N       connections of the hot coupon's gateway + processor load (${DEFAULTS.hotConnections})
  --hot-seconds N           length of that load (${DEFAULTS.hotSeconds})
  --grant-users N           users of the bulk grant (${DEFAULTS.grantUsers})
  --grant-sale-rate N       req/s of the flash sale beside the second grant (a quarter as many users) (${DEFAULTS.grantSaleRate})
  --grant-max-rate N        pace the grant to N users/s (ops grant --max-rate; default: unpaced)
  --scale-records N         requests drained at each step of 1, 2, 3 processors (${DEFAULTS.scaleRecords})

  -h, --help                this text

Exit status: 0 when every invariant held (missed targets are reported, not failures),
2 when an invariant was violated or for bad options, 1 when the bench itself failed.`;

const SIZE_FLAGS = {
  'limit-records': 'limitRecords',
  records: 'records',
  'single-records': 'singleRecords',
  'burst-users': 'burstUsers',
  'burst-quantity': 'burstQuantity',
  'burst-connections': 'burstConnections',
  'gateway-seconds': 'gatewaySeconds',
  'e2e-rate': 'e2eRate',
  'e2e-seconds': 'e2eSeconds',
  'hot-records': 'hotRecords',
  'hot-connections': 'hotConnections',
  'hot-seconds': 'hotSeconds',
  'grant-users': 'grantUsers',
  'grant-sale-rate': 'grantSaleRate',
  'scale-records': 'scaleRecords',
} as const satisfies Record<string, keyof typeof DEFAULTS>;

/** The options, or 'help' when help was asked for. Throws UsageError for bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const args = parseOptions(
    {
      help: { type: 'boolean', short: 'h' },
      out: { type: 'string' },
      baseline: { type: 'string' },
      only: { type: 'string' },
      'grant-max-rate': { type: 'string' },
      'gateway-concurrency': { type: 'string' },
      ...Object.fromEntries(Object.keys(SIZE_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    },
    argv,
  );
  if (args.flag('help')) return 'help';

  const positiveInteger = (flag: string): number | undefined => {
    const raw = args.string(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${raw}"`);
    return n;
  };
  const sizes = { ...DEFAULTS };
  for (const [flag, key] of Object.entries(SIZE_FLAGS)) sizes[key] = positiveInteger(flag) ?? sizes[key];
  const grantMaxRate = positiveInteger('grant-max-rate');
  if (grantMaxRate !== undefined) sizes.grantMaxRate = grantMaxRate;
  const concurrency = args.string('gateway-concurrency');
  if (concurrency !== undefined) {
    const counts = concurrency.split(',').map((c) => Number(c.trim()));
    if (counts.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new UsageError(`--gateway-concurrency takes comma-separated positive integers, got "${concurrency}"`);
    sizes.gatewayConcurrency = [...new Set(counts)].sort((a, b) => a - b);
  }
  if (sizes.burstQuantity > sizes.burstUsers) throw new UsageError('--burst-quantity must not exceed --burst-users: the flash sale has to sell out');

  let only: ScenarioName[] = [...SCENARIOS];
  const onlyText = args.string('only');
  if (onlyText !== undefined) {
    const asked = onlyText.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = asked.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
    if (unknown.length > 0 || asked.length === 0) throw new UsageError(`--only takes a comma-separated subset of ${SCENARIOS.join(', ')}; got "${onlyText}"`);
    only = SCENARIOS.filter((s) => asked.includes(s));
  }
  return { out: args.string('out'), baseline: args.string('baseline'), only, ...sizes };
}
