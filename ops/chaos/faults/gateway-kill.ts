/** Chaos fault: the gateway killed under load. */
import type { Injector } from '../context.ts';

/** SIGKILL the gateway under load (requests in flight lose their answers); the supervisor starts it again. */
export const gatewayKill: Injector = {
  kind: 'gateway_kill',
  async inject(ctx) {
    await ctx.gateway.kill();
    return 'SIGKILL gateway; restarted';
  },
};
