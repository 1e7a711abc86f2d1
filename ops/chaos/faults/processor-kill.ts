/** Chaos fault: one processor killed mid-batch. */
import type { Injector } from '../context.ts';

/** SIGKILL one of the processors mid-batch; the supervisor starts it again. */
export const processorKill: Injector = {
  kind: 'processor_kill',
  async inject(ctx) {
    const target = ctx.random.pick(ctx.processors);
    await target.kill();
    return `SIGKILL ${target.label}; restarted`;
  },
};
