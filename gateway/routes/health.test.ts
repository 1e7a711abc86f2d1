import { describe, expect, it } from 'vitest';
import { readinessAnswer } from './health.ts';

describe('readinessAnswer', () => {
  it('is ready when everything answered', () => {
    expect(readinessAnswer({ redis: 'ok', kafka: 'ok', registry: 'ok' })).toEqual({ ready: true, checks: { redis: 'ok', kafka: 'ok', registry: 'ok' } });
  });

  it('names what is not reachable', () => {
    const answer = readinessAnswer({ redis: 'ok', kafka: 'Local: Timed out', registry: 'fetch failed' });
    expect(answer).toMatchObject({ error: { code: 'NOT_READY', message: 'not ready: kafka (Local: Timed out), registry (fetch failed)' } });
  });
});
