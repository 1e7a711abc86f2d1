/** Test polling: waitFor (ops/stack/process.ts) with the tests' defaults, 30 s every 100 ms. */
import { waitFor, type Truthy } from '../../ops/run/wait-for.ts';

export const eventually = <T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 100): Promise<Truthy<T>> => waitFor(check, timeoutMs, intervalMs);
