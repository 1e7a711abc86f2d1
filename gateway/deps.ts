/**
 * What the routes work with: the app type and the dependencies the composition root (app.ts)
 * builds for them, kept apart so routes do not import the module that imports them.
 */
import type { FastifyInstance } from 'fastify';
import type { AdminGuard, UserAuthenticator } from './auth.ts';
import type { GatewayConfig } from './config.ts';
import type { Listeners } from './listeners.ts';
import type { ClientRateLimits } from './rate-limit.ts';
import type { Gate } from './gate.ts';
import type { GrantService } from './grant/grant-service.ts';
import type { Ledger } from './ledger.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { PendingReleases } from './pending-releases.ts';
import type { RequestProducer } from './request-producer.ts';
import type { WatermarkCache } from './watermarks.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The answer's code, made the `coupon_gateway_requests_total` outcome label (see metrics.ts); empty means OK or ERROR by status. */
    outcome: string;
    /** The verified end user of the request; null when end-user tokens are not configured. */
    tokenUserId: number | null;
  }
  interface FastifyInstance {
    /** The public and the admin listener of the gateway app (see listeners.ts). */
    listeners: Listeners;
  }
}

export type GatewayApp = FastifyInstance;

/** What the routes work with. */
export interface GatewayDeps {
  config: GatewayConfig;
  gate: Gate;
  producer: RequestProducer;
  ledger: Ledger;
  watermarks: WatermarkCache;
  /** Releases of requests that were not accepted, retried in the background. */
  releases: PendingReleases;
  metrics: GatewayMetrics;
  rateLimits: ClientRateLimits;
  adminGuard: AdminGuard;
  /** Bulk grants (POST /api/admin/coupons/:id/grants). */
  grants: GrantService;
  userAuth: UserAuthenticator | undefined;
}
