/** The demo's command line: parsed with node:util parseArgs, validated, defaults filled in. */
import { parseArgs } from 'node:util';

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

Exit code: 0 when every invariant held, 1 when one is broken or the demo failed, 2 for bad options.`;

const LIMITS = {
  users: [1, 1_000_000],
  quantity: [1, 2_147_483_647],
  concurrency: [1, 2_000],
  repeats: [0, 1_000_000],
  malformed: [0, 1_000_000],
} as const satisfies Record<string, readonly [number, number]>;

type Counted = keyof typeof LIMITS;

class OptionError extends Error {
  override name = 'OptionError';
}

function count(name: Counted, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const [min, max] = LIMITS[name];
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new OptionError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export function parseDemoArgs(argv: string[]): ParsedArgs {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        users: { type: 'string' },
        quantity: { type: 'string' },
        concurrency: { type: 'string' },
        repeats: { type: 'string' },
        malformed: { type: 'string' },
        'keep-running': { type: 'boolean', default: false },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) return { kind: 'help' };
    const users = count('users', values.users) ?? DEFAULTS.users;
    const quantity = count('quantity', values.quantity) ?? DEFAULTS.quantity;
    // Repeats come from accepted users only, so their answer is always ALREADY_REQUESTED.
    const acceptable = Math.min(users, quantity);
    const repeats = count('repeats', values.repeats) ?? Math.min(acceptable, Math.floor(users * REPEAT_SHARE));
    if (repeats > acceptable) throw new OptionError(`--repeats must be at most min(--users, --quantity) = ${acceptable}: only accepted users ask again`);
    if (values.json !== undefined && values.json.trim() === '') throw new OptionError('--json needs a file name');
    return {
      kind: 'run',
      options: {
        users,
        quantity,
        concurrency: count('concurrency', values.concurrency) ?? DEFAULTS.concurrency,
        repeats,
        malformed: count('malformed', values.malformed) ?? Math.floor(users * MALFORMED_SHARE),
        keepRunning: values['keep-running'],
        jsonFile: values.json,
      },
    };
  } catch (err) {
    // parseArgs reports unknown options and missing values as TypeErrors with a readable message.
    if (err instanceof OptionError || err instanceof TypeError) return { kind: 'error', message: err.message };
    throw err;
  }
}
