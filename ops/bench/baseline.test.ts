import { describe, expect, it } from 'vitest';
import { BaselineError, baselineOf, cpuPerUnit, relativeCpu } from './baseline.ts';
import type { BenchResult } from './report.ts';

/** The parts of this bench's JSON the comparison reads: per-phase CPU seconds and units. */
const thisBench = {
  started_at: '2030-01-02T00:00:00.000Z',
  processor: { records: 200_000 },
  gateway: { concurrency: 200 },
  cpu: {
    'processor batch': { cpu_s: { processor: 4, 'processor:main': 3, postgres: 3, kafka: 1.2, redis: 1.4, bench: 0.1 }, units: 200_000 },
    'gateway 100': { cpu_s: { gateway: 7.5, 'gateway:main': 7, bench: 3, redis: 2 }, units: 100_000 },
    'gateway 200': { cpu_s: { gateway: 8.4, bench: 3 }, units: 120_000 },
  },
};

/** The starting commit's (e5d84f4) shape: no units in a phase, one gateway phase named `gateway`. */
const startingCommit = {
  started_at: '2030-01-01T00:00:00.000Z',
  processor: { records: 200_000 },
  gateway: { concurrency: 100, accepted: 44_000 },
  cpu: {
    'processor batch': { cpu_s: { processor: 8.8, 'processor:main': 6.4, postgres: 5.4, kafka: 4.5, redis: 1.7, bench: 0.2 } },
    gateway: { cpu_s: { gateway: 8.8, 'gateway:main': 7, bench: 3.2 } },
  },
};

const asResult = (json: object): BenchResult => json as BenchResult;

describe('cpuPerUnit', () => {
  it("sums the processor's and its services' CPU a record, leaving out the load generator and counting the JavaScript thread once", () => {
    expect(cpuPerUnit(thisBench).processorUsPerRecord).toBeCloseTo(((4 + 3 + 1.2 + 1.4) / 200_000) * 1e6);
    expect(cpuPerUnit(startingCommit).processorUsPerRecord).toBeCloseTo(((8.8 + 5.4 + 4.5 + 1.7) / 200_000) * 1e6);
  });

  it("takes the gateway process's CPU an accepted request from each load, by its connections, in either shape", () => {
    const now = cpuPerUnit(thisBench);
    const rounded = (m: Map<number, number>) => [...m.entries()].map(([connections, us]) => [connections, Math.round(us * 1000) / 1000]);
    expect(rounded(now.gatewayUsPerRequest)).toEqual([
      [100, 75],
      [200, 70],
    ]);
    expect(now.gatewayConcurrency).toBe(200);
    const start = cpuPerUnit(startingCommit);
    expect(rounded(start.gatewayUsPerRequest)).toEqual([[100, 200]]);
  });

  it('says null for a phase the run did not have', () => {
    const only = { started_at: 'x', cpu: { 'limits postgres copy': { cpu_s: { postgres: 1 } } } };
    expect(cpuPerUnit(only)).toEqual({ processorUsPerRecord: null, gatewayUsPerRequest: new Map(), gatewayConcurrency: null });
  });

  it('refuses what is not the JSON of a bench run', () => {
    expect(() => cpuPerUnit({ records: 3 })).toThrow(BaselineError);
    expect(() => cpuPerUnit([1, 2])).toThrow(BaselineError);
    expect(() => cpuPerUnit(null)).toThrow(BaselineError);
  });
});

describe('relativeCpu', () => {
  it("compares the processor's CPU a record, and the gateway's at the connections the baseline loaded it with", () => {
    expect(relativeCpu(asResult(thisBench), baselineOf(startingCommit, 'start.json'))).toEqual({
      baseline: { file: 'start.json', started_at: '2030-01-01T00:00:00.000Z' },
      processor: { us_per_record: 48, baseline_us_per_record: 102, ratio: 0.47 },
      gateway: { connections: 100, us_per_request: 75, baseline_us_per_request: 200, ratio: 0.38 },
    });
  });

  it('leaves the gateway out when this run did not load it with the baseline\'s connections', () => {
    const cpu = Object.fromEntries(Object.entries(thisBench.cpu).filter(([phase]) => phase !== 'gateway 100'));
    expect(relativeCpu(asResult({ ...thisBench, cpu }), baselineOf(startingCommit, 'start.json')).gateway).toBeNull();
  });
});
