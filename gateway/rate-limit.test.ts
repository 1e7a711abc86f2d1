import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { ClientRateLimits } from './rate-limit.ts';

const limits = { ip: { perSecond: 1, burst: 2 }, user: { perSecond: 1, burst: 1 }, maxClients: 100 };

async function refused(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const { values } = await metrics.rateLimited.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.scope), v.value]));
}

describe('ClientRateLimits', () => {
  it('answers 429 with Retry-After once an address used its burst, and counts it', async () => {
    const metrics = createMetrics();
    const rateLimits = new ClientRateLimits(limits, metrics);
    expect(await refused(metrics)).toEqual({ ip: 0, user: 0 });
    expect(rateLimits.checkAddress('10.0.0.1', 0)).toBeUndefined();
    expect(rateLimits.checkAddress('10.0.0.1', 0)).toBeUndefined();
    const refusal = rateLimits.checkAddress('10.0.0.1', 0);
    expect(refusal).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(rateLimits.checkAddress('10.0.0.2', 0)).toBeUndefined();
    expect(await refused(metrics)).toEqual({ ip: 1, user: 0 });
  });

  it('limits users apart from addresses', async () => {
    const metrics = createMetrics();
    const rateLimits = new ClientRateLimits(limits, metrics);
    expect(rateLimits.checkUser(7, 0)).toBeUndefined();
    expect(rateLimits.checkUser(7, 0)?.message).toMatch(/this user/);
    expect(rateLimits.checkUser(8, 0)).toBeUndefined();
    expect(await refused(metrics)).toEqual({ ip: 0, user: 1 });
  });

  it('does nothing when a limit is off', () => {
    const rateLimits = new ClientRateLimits({ ip: undefined, user: undefined, maxClients: 1 }, createMetrics());
    for (let i = 0; i < 100; i++) expect(rateLimits.checkAddress('10.0.0.1', 0) ?? rateLimits.checkUser(1, 0)).toBeUndefined();
    expect(rateLimits.limitsAddresses).toBe(false);
    expect(new ClientRateLimits(limits, createMetrics()).limitsAddresses).toBe(true);
  });
});
