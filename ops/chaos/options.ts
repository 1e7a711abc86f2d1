/** `npm run chaos -- --minutes N [--seed S] [--json FILE] [--rate R]` */
import { parseArgs } from 'node:util';

export interface ChaosOptions {
  minutes: number;
  seed: number;
  json: string | undefined;
  /** Requests per second of the load. */
  rate: number;
}

export function parseChaosOptions(argv: readonly string[], randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31)): ChaosOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '20' },
      seed: { type: 'string' },
      json: { type: 'string' },
      rate: { type: 'string', default: '40' },
    },
  });
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
