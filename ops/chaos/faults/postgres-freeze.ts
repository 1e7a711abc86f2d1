/**
 * Chaos fault: Postgres frozen and resumed — every process of the instance stopped (SIGSTOP) for a
 * few seconds, then continued. A storage or VM stall: calls to it neither fail nor return, and no
 * server-side timeout can fire; sometimes longer than the processor's transaction timeout, so
 * the broker aborts a transaction whose Postgres work is still waiting.
 */
import { childrenOf, isAlive, readPid } from '../../stack/process.ts';
import type { Injector } from '../context.ts';

/** The processor's transaction timeout is 10 s by default. */
const FREEZE_MS = { min: 4_000, max: 12_000 };

/**
 * Sends `signal` to the instance's postmaster and every process it started. Not by process group:
 * each backend and worker of Postgres leads a session of its own (setsid), so a signal to the
 * postmaster's group stopped the postmaster alone — new connections waited, open ones answered.
 * The postmaster stops first (it starts no backend after) and continues last.
 * Returns false when the instance is not running.
 */
export function signalInstance(name: string, signal: 'SIGSTOP' | 'SIGCONT'): boolean {
  const postmaster = readPid(name);
  if (!isAlive(postmaster)) return false;
  const children = childrenOf(postmaster!);
  const order = signal === 'SIGSTOP' ? [postmaster!, ...children] : [...children, postmaster!];
  for (const pid of order) {
    try {
      process.kill(pid, signal);
    } catch {
      // A backend that ended meanwhile.
    }
  }
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
    return `Postgres frozen (SIGSTOP of the postmaster and every backend) for ${ms} ms, then continued`;
  },
};
