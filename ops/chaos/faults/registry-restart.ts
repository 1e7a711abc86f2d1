/** Chaos fault: the schema registry restarted. */
import { ensureUp } from '../../stack/ensure-up.ts';
import type { Injector } from '../context.ts';

/** The schema registry stops and starts again (its schemas persist in Postgres). */
export const registryRestart: Injector = {
  kind: 'registry_restart',
  async inject(ctx) {
    const started = Date.now();
    await ctx.infra.registry.stop();
    await ensureUp(ctx.infra.registry, () => undefined);
    return `registry restarted, answering again after ${((Date.now() - started) / 1000).toFixed(1)} s`;
  },
};
