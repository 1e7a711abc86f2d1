/** `npm run chaos -- --minutes N [--seed S] [--json FILE] [--rate R]` */
import { parseOptions, UsageError } from '../cli/args.ts';

export const USAGE = `Usage: npm run chaos -- [--minutes N] [--seed S] [--json FILE] [--rate R]

Runs the product under continuous HTTP load on the stack's 3-broker cluster and private Redis,
Postgres and registry, injects faults at random moments, and checks that nothing was lost, doubled,
over-issued, stuck or locked out (I1-I7). Ends with a JSON report.

  --minutes N   length of the run, 0.5 to 1440                       (default 20)
  --seed S      seed of the fault plan; the same seed replays it     (default: random, printed)
  --json FILE   also write the report to FILE
  --rate R      requests per second of the load, 1 to 5000           (default 40)
  -h, --help    this text

Exit status: 0 when every check passed, 2 when one failed or the options are bad, 1 when the run\nitself failed.`;

export interface ChaosOptions {
  minutes: number;
  seed: number;
  json: string | undefined;
  /** Requests per second of the load. */
  rate: number;
}

/** The options, or 'help' when help was asked for. Throws UsageError for bad input. */
export function parseChaosOptions(argv: readonly string[], randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31)): ChaosOptions | 'help' {
  const args = parseOptions(
    { minutes: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' }, rate: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    [...argv],
  );
  if (args.flag('help')) return 'help';
  const number = (name: string, text: string, min: number, max: number, integer = false): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
    return n;
  };
  const seed = args.string('seed');
  return {
    minutes: number('minutes', args.string('minutes') ?? '20', 0.5, 24 * 60),
    seed: seed === undefined ? randomSeed() : number('seed', seed, 0, 2 ** 32 - 1, true),
    json: args.string('json'),
    rate: number('rate', args.string('rate') ?? '40', 1, 5000),
  };
}
