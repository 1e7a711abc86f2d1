import { describe, expect, it } from 'vitest';
import { attribution, cpuPressureTotal, machineTicks, microsPerUnit, reapedChildrenTicks, roleOf, scenarioMicros, schedstatWait, statTicks, usageBetween, type CpuSnapshot } from './cpu.ts';

describe('statTicks', () => {
  it('adds utime and stime, even when the command name holds spaces and parentheses', () => {
    const stat = '1234 (node (worker) x) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 11 0 100 0 0';
    expect(statTicks(stat)).toBe(325);
  });
});

describe('reapedChildrenTicks', () => {
  it('adds cutime and cstime', () => {
    const stat = '1234 (node (worker) x) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 75 600 40 20 0 11 0 100 0 0';
    expect(reapedChildrenTicks(stat)).toBe(640);
  });
});

describe('machineTicks', () => {
  it('counts idle and iowait as not busy', () => {
    expect(machineTicks('cpu  100 10 50 800 40 5 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toEqual({ busy: 170, total: 1010 });
  });
});

describe('roleOf', () => {
  const servers = { kafka: [19092], postgres: [15432], redis: [16379], registry: [18081] };
  // The stack's broker is pid 7, Postgres's postmaster 9, Redis 11; 20 is another cluster's broker.
  const scenario = attribution(new Map([[42, 'processor']]), servers, new Map([[19092, 7], [15432, 9], [16379, 11], [18081, 8]]));

  it('names the processes the bench started and the servers on the scenario ports', () => {
    expect(roleOf(42, 1, '/usr/bin/node\0--import\0tsx\0processor/main.ts\0', scenario)).toBe('processor');
    expect(roleOf(7, 1, 'java\0-cp\0libs/*\0kafka.Kafka\0server.properties\0', scenario)).toBe('kafka');
    expect(roleOf(8, 1, 'java\0-jar\0/x/quarkus-run.jar\0', scenario)).toBe('registry');
    expect(roleOf(9, 1, '/usr/lib/postgresql/15/bin/postgres\0-D\0data\0', scenario)).toBe('postgres');
    expect(roleOf(11, 1, 'redis-server 127.0.0.1:16379', scenario)).toBe('redis');
  });

  it("counts the postmaster's backends as the scenario's Postgres, and Redis's rewrite child as its Redis", () => {
    expect(roleOf(300, 9, 'postgres: coupon coupon 127.0.0.1(5000) idle', scenario)).toBe('postgres');
    expect(roleOf(301, 11, 'redis-aof-rewrite 127.0.0.1:16379', scenario)).toBe('redis');
  });

  it('calls the same kinds of process on other ports foreign', () => {
    expect(roleOf(20, 1, 'java\0-cp\0libs/*\0kafka.Kafka\0broker-1.properties\0', scenario)).toBe('foreign-kafka');
    expect(roleOf(21, 1, '/usr/lib/postgresql/15/bin/postgres\0-D\0chaos\0', scenario)).toBe('foreign-postgres');
    expect(roleOf(22, 21, 'postgres: coupon coupon 127.0.0.1(5001) idle', scenario)).toBe('foreign-postgres');
    expect(roleOf(23, 1, 'redis-server 127.0.0.1:19301', scenario)).toBe('foreign-redis');
    expect(roleOf(12, 1, '/usr/bin/node\0--import\0tsx\0processor/main.ts\0', scenario)).toBe('foreign-processor');
    expect(roleOf(13, 1, 'node\0tsx\0gateway/main.ts\0', scenario)).toBe('foreign-gateway');
    expect(roleOf(14, 1, 'node\0vitest\0', scenario)).toBe('other');
    expect(roleOf(15, 1, '', scenario)).toBe('other');
  });

  it('counts all brokers of a cluster, and none when a server is not listening here', () => {
    const cluster = attribution(new Map(), { ...servers, kafka: [29092, 29094, 29096] }, new Map([[29092, 30], [29094, 31], [29096, 32], [19092, 7]]));
    expect([30, 31, 32, 7].map((pid) => roleOf(pid, 1, 'java\0kafka.Kafka\0', cluster))).toEqual(['kafka', 'kafka', 'kafka', 'foreign-kafka']);
    expect(attribution(new Map(), servers, new Map()).pids.size).toBe(0);
  });
});

describe('usageBetween', () => {
  it('turns tick deltas into cores busy per role', () => {
    const before: CpuSnapshot = {
      at: 0,
      processes: [
        { pid: 1, group: 'postgres', ticks: 100 },
        { pid: 2, group: 'processor', ticks: 50 },
        { pid: 2, group: 'processor:main', ticks: 40 },
      ],
      machineBusy: 1000,
      machineTotal: 2000,
    };
    const after: CpuSnapshot = {
      at: 2000,
      processes: [
        { pid: 1, group: 'postgres', ticks: 200 },
        { pid: 2, group: 'processor', ticks: 250 },
        { pid: 2, group: 'processor:main', ticks: 200 },
        { pid: 3, group: 'postgres', ticks: 60 }, // a backend that started in between
      ],
      machineBusy: 1300,
      machineTotal: 2400,
    };
    expect(usageBetween(before, after, 100, 2)).toEqual({
      wall_s: 2,
      machine: 1.5,
      cores: 2,
      by_role: { processor: 1, 'processor:main': 0.8, postgres: 0.8 },
      cpu_s: { processor: 2, 'processor:main': 1.6, postgres: 1.6 },
    });
  });
});

describe('schedstatWait', () => {
  it("reads a thread's run-queue wait and time slices", () => {
    expect(schedstatWait('289558508 36457232 1136\n')).toEqual({ waitNs: 36_457_232, slices: 1136 });
  });
});

describe('cpuPressureTotal', () => {
  it('reads the total of the "some" line, and nothing where there is no such file', () => {
    expect(cpuPressureTotal('some avg10=21.04 avg60=19.17 avg300=21.07 total=18449628443\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')).toBe(18_449_628_443);
    expect(cpuPressureTotal('')).toBeUndefined();
  });
});

describe('usageBetween, waiting for a core', () => {
  const snapshot = (at: number, pressureUs: number, processes: CpuSnapshot['processes']): CpuSnapshot => ({ at, processes, machineBusy: 0, machineTotal: 1, pressureUs });

  it('gives the share of the time some task waited, and per role the wait a second and the mean wait each time a thread got a core', () => {
    const before = snapshot(0, 5_000_000, [
      { pid: 1, group: 'kafka', ticks: 0, waitNs: 1e9, slices: 1000 },
      { pid: 2, group: 'gateway', ticks: 0, waitNs: 0, slices: 0 },
    ]);
    const after = snapshot(2000, 6_200_000, [
      { pid: 1, group: 'kafka', ticks: 0, waitNs: 1.8e9, slices: 5000 },
      { pid: 2, group: 'gateway', ticks: 0, waitNs: 1.2e9, slices: 6000 },
      { pid: 3, group: 'postgres', ticks: 0, waitNs: 0.1e9, slices: 1000 }, // a backend that started in between
      { pid: 4, group: 'other', ticks: 0 }, // not read: not the scenario's
    ]);
    expect(usageBetween(before, after, 100, 2).waiting).toEqual({
      pressure: 0.6,
      by_role: { gateway: 0.6, kafka: 0.4, postgres: 0.05 },
      ms_per_slice: { gateway: 0.2, kafka: 0.2, postgres: 0.1 },
    });
  });

  it('is left out where the kernel reports neither', () => {
    const plain = (at: number): CpuSnapshot => ({ at, processes: [{ pid: 1, group: 'kafka', ticks: at }], machineBusy: 0, machineTotal: 1 });
    expect(usageBetween(plain(0), plain(1000), 100, 2)).not.toHaveProperty('waiting');
  });
});

describe('microsPerUnit', () => {
  it('spreads the CPU time of each role over the units of work', () => {
    const usage = { wall_s: 10, machine: 1.5, cores: 2, by_role: { gateway: 0.5, redis: 0.1, registry: 0 }, cpu_s: { gateway: 5, redis: 1, registry: 0.01 } };
    expect(microsPerUnit(usage, 50_000)).toEqual({ gateway: 100, redis: 20 });
  });

  it('is empty without a usage or units', () => {
    expect(microsPerUnit(undefined, 10)).toEqual({});
    expect(microsPerUnit({ wall_s: 1, machine: 1, cores: 2, by_role: { a: 1 }, cpu_s: { a: 1 } }, 0)).toEqual({});
  });
});

describe('scenarioMicros', () => {
  it("adds the scenario's processes, not foreign ones nor threads counted in their process", () => {
    expect(scenarioMicros({ processor: 40, 'processor:main': 30, postgres: 20, kafka: 5, 'foreign-kafka': 50, other: 9 })).toBe(65);
  });
});
