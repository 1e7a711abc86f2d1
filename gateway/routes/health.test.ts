import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../deps.ts';
import { createMetrics } from '../metrics.ts';
import { healthRoutes, readinessAnswer, runChecks } from './health.ts';

/** Error text of the kind a dependency error carries: an address and a user name. */
const SECRET = 'connect ECONNREFUSED 10.20.30.40:6379 (user coupon_admin)';

describe('readinessAnswer', () => {
  it('is ready when everything answered', () => {
    expect(readinessAnswer({ redis: 'ok', kafka: 'ok', registry: 'ok' })).toEqual({ ready: true, checks: { redis: 'ok', kafka: 'ok', registry: 'ok' } });
  });

  it('names what is not reachable, with its code', () => {
    const answer = readinessAnswer({ redis: 'ok', kafka: 'unavailable', registry: 'unavailable' });
    expect(answer).toMatchObject({ error: { code: 'NOT_READY', message: 'not ready: kafka unavailable, registry unavailable' } });
  });
});

describe('runChecks', () => {
  it('turns every failure into the stable code and keeps the error apart', async () => {
    const cause = new Error(SECRET);
    const run = await runChecks({ redis: () => Promise.reject(cause), kafka: () => Promise.resolve(), registry: () => Promise.reject(new Error('fetch failed')) });
    expect(run.checks).toEqual({ redis: 'unavailable', kafka: 'ok', registry: 'unavailable' });
    expect(run.failures.redis).toBe(cause);
    expect(Object.keys(run.failures).sort()).toEqual(['redis', 'registry']);
  });
});

describe('GET /readyz', () => {
  it('answers 503 with dependency names and codes only, and logs the error text', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const app = Fastify({ loggerInstance: pino({ level: 'warn' }, sink) as FastifyBaseLogger });
    const deps = {
      gate: { ping: () => Promise.reject(new Error(SECRET)) },
      producer: { checkKafka: () => Promise.reject(new Error(`Local: Broker transport failure ${SECRET}`)), checkRegistry: () => Promise.resolve() },
      config: { readyTimeoutMs: 100 },
      metrics: createMetrics(),
    } as unknown as GatewayDeps;
    healthRoutes(app, deps);
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: { code: 'NOT_READY', message: 'not ready: redis unavailable, kafka unavailable' },
        checks: { redis: 'unavailable', kafka: 'unavailable', registry: 'ok' },
      });
      expect(response.body).not.toMatch(/ECONNREFUSED|10\.20\.30\.40|coupon_admin|Broker transport/);
      const logged = lines.map((l) => JSON.parse(l) as { dependency?: string; err?: { message: string } }).filter((l) => l.dependency);
      expect(logged.map((l) => l.dependency).sort()).toEqual(['kafka', 'redis']);
      for (const l of logged) expect(l.err?.message).toContain(SECRET);
    } finally {
      await app.close();
    }
  });
});
