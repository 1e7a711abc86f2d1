/**
 * Chaos fault: Postgres frozen and resumed — every process of the instance stopped (SIGSTOP) for a
 * few seconds, then continued. A storage or VM stall: calls to it neither fail nor return, and no
 * server-side timeout can fire; sometimes longer than the processor's transaction timeout, so
 * the broker aborts a transaction whose Postgres work is still waiting.
 */
import { readPid } from '../../stack/process.ts';
import type { Injector } from '../context.ts';

/** The processor's transaction timeout is 10 s by default. */
const FREEZE_MS = { min: 4_000, max: 12_000 };

export const postgresFreeze: Injector = {
  kind: 'postgres_freeze',
  async inject(ctx) {
    const postmaster = readPid(ctx.infra.postgres.name);
    if (postmaster === undefined) throw new Error(`${ctx.infra.postgres.name} has no pid file: is it running?`);
    const ms = Math.round(ctx.random.between(FREEZE_MS.min, FREEZE_MS.max));
    // The postmaster leads a process group of its own (started detached): its backends and workers are in it.
    process.kill(-postmaster, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      process.kill(-postmaster, 'SIGCONT');
    }
    return `Postgres frozen (SIGSTOP of its process group) for ${ms} ms, then continued`;
  },
};
