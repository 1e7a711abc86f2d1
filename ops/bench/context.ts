/** What every scenario shares: the stack's clients, the CPU sampler, progress output, and what they record. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { endpointsFromEnv, type Endpoints } from '../../platform/endpoints.ts';
import { Serde } from '../../schemas/serde.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { CpuSampler, type CpuUsage } from './cpu.ts';
import type { InvariantCheck } from './report.ts';

/** A scenario could not be measured (a service did not come up, a drain never finished...). */
export class BenchError extends Error {
  override name = 'BenchError';
}

export class BenchContext {
  /** Names this run's consumer groups, coupons and scratch objects. */
  readonly runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly cpu = new CpuSampler();
  readonly cpuPhases: Record<string, CpuUsage> = {};
  readonly invariants: InvariantCheck[] = [];

  private constructor(
    readonly endpoints: Endpoints,
    readonly db: pg.Pool,
    readonly serde: Serde,
  ) {}

  static async open(): Promise<BenchContext> {
    const endpoints = endpointsFromEnv();
    const serde = new Serde(endpoints.schemaRegistryUrl);
    await serde.register(TOPICS.requests);
    return new BenchContext(endpoints, new pg.Pool({ connectionString: endpoints.databaseUrl, max: 4 }), serde);
  }

  /** Progress goes to stderr: stdout carries the table. */
  progress(scenario: string, message: string): void {
    const clock = new Date().toISOString().slice(11, 19);
    process.stderr.write(`[bench ${clock}] ${scenario}: ${message}\n`);
  }

  /** Runs `work` and records the CPU used by every process meanwhile under `phase`. */
  async measureCpu<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const before = this.cpu.take();
    const result = await work();
    const usage = this.cpu.usage(before, this.cpu.take());
    if (usage) this.cpuPhases[phase] = usage;
    return result;
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
