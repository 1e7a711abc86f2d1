/** Chaos fault: Postgres shut down (fast or immediate) and started again. */
import { ensureUp } from '../../stack/ensure-up.ts';
import { stopProcess } from '../../stack/process.ts';
import type { Injector } from '../context.ts';

/** Postgres' fast shutdown (SIGINT: sessions aborted) or immediate one (SIGQUIT: a crash, recovery on start). */
const MODES = [
  { name: 'fast shutdown', signal: 'SIGINT' },
  { name: 'immediate shutdown (crash recovery)', signal: 'SIGQUIT' },
] as const;

export const postgresRestart: Injector = {
  kind: 'postgres_restart',
  async inject(ctx) {
    const mode = ctx.random.pick(MODES);
    const started = Date.now();
    await stopProcess(ctx.infra.postgres.name, 30_000, mode.signal);
    await ensureUp(ctx.infra.postgres, () => undefined);
    return `Postgres ${mode.name} and restart, back after ${((Date.now() - started) / 1000).toFixed(1)} s`;
  },
};
