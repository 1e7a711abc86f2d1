/** The demo's command line: parsed with the ops tools' parser, validated, defaults filled in. */
import { parseOptions, UsageError } from '../cli/args.ts';

export interface DemoOptions {
  /** Distinct simulated users; each sends one request. */
  users: number;
  /** Units of the coupon. */
  quantity: number;
  /** Requests in flight at once (keep-alive connections to the gateway). */
  concurrency: number;
  /** Accepted users who ask again; the gate must answer ALREADY_REQUESTED. */
  repeats: number;
  /** Requests with a malformed body or path; the gateway must answer 400. */
  malformed: number;
  keepRunning: boolean;
  /** Where to write the machine-readable summary. */
  jsonFile: string | undefined;
}

export type ParsedArgs = { kind: 'run'; options: DemoOptions } | { kind: 'help' } | { kind: 'error'; message: string };

// 100 requests in flight keep the gateway saturated (the rest of the 10,000 queue behind them, as
// in a real burst) while the load generator stays light on a 2-core machine it shares with the stack.
export const DEFAULTS = { users: 10_000, quantity: 1_000, concurrency: 100 } as const;
/** Shares of the users that repeat / send a malformed request, unless given explicitly. */
const REPEAT_SHARE = 0.05;
const MALFORMED_SHARE = 0.01;

export const USAGE = `npm run demo -- [options]      (or: npx tsx ops/demo/main.ts [options] with the stack up)

Starts the gateway and the processor on the embedded stack, creates a coupon and runs a flash sale
over HTTP against it, then prints what happened and checks the invariants I1-I4.

Options:
  --users N         distinct simulated users, one request each          (default ${DEFAULTS.users})
  --quantity N      coupon units                                        (default ${DEFAULTS.quantity})
  --concurrency N   requests in flight at once (connections)            (default ${DEFAULTS.concurrency})
  --repeats N       accepted users who ask again (answered 409 ALREADY_REQUESTED)
                                                                        (default ${REPEAT_SHARE * 100} % of the users)
  --malformed N     malformed requests (answered 400)                   (default ${MALFORMED_SHARE * 100} % of the users)
  --keep-running    keep the gateway and the processor up after the summary; Ctrl-C stops them
  --json FILE       also write the summary as JSON to FILE
  -h, --help        show this text

Exit code: 0 when every invariant held, 2 when one is broken or for bad options, 1 when the demo failed.`;

const LIMITS = {
  users: [1, 1_000_000],
  quantity: [1, 2_147_483_647],
  concurrency: [1, 2_000],
  repeats: [0, 1_000_000],
  malformed: [0, 1_000_000],
} as const satisfies Record<string, readonly [number, number]>;

type Counted = keyof typeof LIMITS;

function count(name: Counted, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const [min, max] = LIMITS[name];
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export function parseDemoArgs(argv: string[]): ParsedArgs {
  try {
    const args = parseOptions({
      users: { type: 'string' },
      quantity: { type: 'string' },
      concurrency: { type: 'string' },
      repeats: { type: 'string' },
      malformed: { type: 'string' },
      'keep-running': { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, argv);
    if (args.flag('help')) return { kind: 'help' };
    const users = count('users', args.string('users')) ?? DEFAULTS.users;
    const quantity = count('quantity', args.string('quantity')) ?? DEFAULTS.quantity;
    // Repeats come from accepted users only, so their answer is always ALREADY_REQUESTED.
    const acceptable = Math.min(users, quantity);
    const repeats = count('repeats', args.string('repeats')) ?? Math.min(acceptable, Math.floor(users * REPEAT_SHARE));
    if (repeats > acceptable) throw new UsageError(`--repeats must be at most min(--users, --quantity) = ${acceptable}: only accepted users ask again`);
    const jsonFile = args.string('json');
    if (jsonFile !== undefined && jsonFile.trim() === '') throw new UsageError('--json needs a file name');
    return {
      kind: 'run',
      options: {
        users,
        quantity,
        concurrency: count('concurrency', args.string('concurrency')) ?? DEFAULTS.concurrency,
        repeats,
        malformed: count('malformed', args.string('malformed')) ?? Math.floor(users * MALFORMED_SHARE),
        keepRunning: args.flag('keep-running'),
        jsonFile,
      },
    };
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'error', message: err.message };
    throw err;
  }
}
