/**
 * Chaos fault: Postgres frozen and resumed — every process of the instance stopped (SIGSTOP) for a
 * few seconds, then continued. A storage or VM stall: calls to it neither fail nor return, and no
 * server-side timeout can fire; sometimes longer than the processor's transaction timeout, so
 * the broker aborts a transaction whose Postgres work is still waiting.
 */
import { isAlive, readPid } from '../../stack/process.ts';
import type { Injector } from '../context.ts';

/** The processor's transaction timeout is 10 s by default. */
const FREEZE_MS = { min: 4_000, max: 12_000 };

/**
 * Sends `signal` to the instance's postmaster and every process it started: the postmaster leads a
 * process group of its own (started detached), which its backends and workers belong to.
 * Returns false when the instance is not running.
 */
function signalInstance(name: string, signal: 'SIGSTOP' | 'SIGCONT'): boolean {
  const postmaster = readPid(name);
  if (!isAlive(postmaster)) return false;
  process.kill(-postmaster!, signal);
  return true;
}

/**
 * Continues an instance a run ended (killed) while it was frozen: it would accept connections and
 * answer none. Harmless on one that runs.
 */
export const resumeIfFrozen = (name: string): void => void signalInstance(name, 'SIGCONT');

export const postgresFreeze: Injector = {
  kind: 'postgres_freeze',
  async inject(ctx) {
    const { name } = ctx.infra.postgres;
    const ms = Math.round(ctx.random.between(FREEZE_MS.min, FREEZE_MS.max));
    if (!signalInstance(name, 'SIGSTOP')) throw new Error(`${name} is not running`);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      resumeIfFrozen(name);
    }
    return `Postgres frozen (SIGSTOP of its process group) for ${ms} ms, then continued`;
  },
};
