/**
 * Redis rewrites its append-only file once the file has doubled since its last rewrite: a forked
 * child writes the whole dataset, a core's work for seconds when the stack holds earlier
 * scenarios' data (13 s for 1.4 GB on the development machine). A load measured on two cores
 * while it runs measures the rewrite as much as the gateway. Before a latency-judged load the
 * bench has Redis rewrite now and waits for the end, so a rewrite that earlier scenarios' writes
 * were due to start does not land inside the load (the load's own writes may still start one).
 */
import { Redis } from 'ioredis';
import { BenchError, type BenchContext } from './context.ts';

const POLL_MS = 100;

/** A field of Redis's INFO text (`name:value` lines). */
export const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];

/** Rewrites Redis's append-only file and waits for it; the seconds it took, or null when Redis keeps none. */
export async function rewriteAppendOnlyFile(url: string, timeoutMs = 120_000): Promise<number | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const started = Date.now();
    const persistence = (): Promise<string> => redis.info('persistence');
    let info = await persistence();
    if (infoField(info, 'aof_enabled') !== '1') return null;
    // aof_rewrites counts rewrites started. One running already will do; otherwise ask for one
    // (scheduled, not refused, while a snapshot runs).
    const before = Number(infoField(info, 'aof_rewrites'));
    const running = infoField(info, 'aof_rewrite_in_progress') === '1';
    if (!running) await redis.bgrewriteaof();
    for (;;) {
      info = await persistence();
      const busy = infoField(info, 'aof_rewrite_in_progress') === '1' || infoField(info, 'aof_rewrite_scheduled') === '1';
      if (!busy && (running || Number(infoField(info, 'aof_rewrites')) > before)) return (Date.now() - started) / 1000;
      if (Date.now() - started > timeoutMs) throw new BenchError(`Redis did not finish rewriting its append-only file in ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    redis.disconnect();
  }
}

/** rewriteAppendOnlyFile on the stack's Redis, said in the scenario's progress lines. */
export async function settleRedis(ctx: BenchContext, scenario: string): Promise<void> {
  const seconds = await rewriteAppendOnlyFile(ctx.endpoints.redisUrl);
  if (seconds !== null) ctx.progress(scenario, `Redis rewrote its append-only file before the load (${seconds.toFixed(1)} s)`);
}
