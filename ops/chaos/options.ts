/** `npm run chaos -- --minutes N [--seed S] [--json FILE] [--rate R]` */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run chaos -- [--minutes N] [--seed S] [--json FILE] [--rate R]

Runs the product under continuous HTTP load on the stack's 3-broker cluster and private Redis,
Postgres and registry, injects faults at random moments, and checks that nothing was lost, doubled,
over-issued, stuck or locked out (I1-I7). Ends with a JSON report.

  --minutes N   length of the run, 0.5 to 1440                       (default 20)
  --seed S      seed of the fault plan; the same seed replays it     (default: random, printed)
  --json FILE   also write the report to FILE
  --rate R      requests per second of the load, 1 to 5000           (default 40)
  -h, --help    this text

Exit status: 0 when every check passed, 1 when one failed, 2 when the run itself failed.`;

export interface ChaosOptions {
  minutes: number;
  seed: number;
  json: string | undefined;
  /** Requests per second of the load. */
  rate: number;
}

/** The options, or 'help' when help was asked for. Throws for bad input. */
export function parseChaosOptions(argv: readonly string[], randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31)): ChaosOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '20' },
      seed: { type: 'string' },
      json: { type: 'string' },
      rate: { type: 'string', default: '40' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const number = (name: string, text: string, min: number, max: number, integer = false): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
    return n;
  };
  return {
    minutes: number('minutes', values.minutes, 0.5, 24 * 60),
    seed: values.seed === undefined ? randomSeed() : number('seed', values.seed, 0, 2 ** 32 - 1, true),
    json: values.json,
    rate: number('rate', values.rate, 1, 5000),
  };
}
