/**
 * Redis dies and comes back empty (its append-only file gone), then the gate is rebuilt from
 * Postgres and the pending Kafka requests with the operator command. Without that command the
 * sale cannot go on (every coupon is unknown to the gate), so the fault is only planned when the
 * command exists.
 */
import fs from 'node:fs';
import { OPS_CLI, startOpsCli } from '../../run/ops-cli.ts';
import { ensureUp } from '../../stack/ensure-up.ts';
import { stackPath } from '../../stack/paths.ts';
import { killProcess } from '../../stack/process.ts';
import { waitFor } from '../../run/wait-for.ts';
import type { Injector } from '../context.ts';

const REBUILD = ['gate', 'rebuild'];
/** Until a coupon's gate is rebuilt it answers 503 GATE_NOT_OPEN; a rebuild that found the gate moving is run again. */
const REBUILD_DEADLINE_MS = 120_000;

/** Whether this checkout has the gate rebuild command (`npm run ops -- gate rebuild`). */
export async function gateRebuildAvailable(): Promise<boolean> {
  if (!fs.existsSync(OPS_CLI)) return false;
  return startOpsCli([...REBUILD, '--help']).exited.then(
    ({ code }) => code === 0,
    () => false,
  );
}

export const redisDataLoss: Injector = {
  kind: 'redis_data_loss',
  async inject(ctx) {
    const redis = ctx.infra.redis;
    await killProcess(redis.name);
    fs.rmSync(stackPath(redis.name), { recursive: true, force: true });
    await ensureUp(redis, () => undefined);
    const started = Date.now();
    // An attempt may take until the deadline: under the run's load, after broker faults, a rebuild
    // of the run's accumulated coupons took from 6 s to more than 120 s, and one killed half way
    // starts again from nothing.
    const attempt = async (): Promise<string> => {
      const { child, exited } = startOpsCli([...REBUILD, '--all']);
      const killer = setTimeout(() => child.kill('SIGTERM'), Math.max(1000, started + REBUILD_DEADLINE_MS - Date.now()));
      const { code, stdout, stderr } = await exited.finally(() => clearTimeout(killer));
      if (code === 0) return stdout;
      // Say which: killed at the deadline, or done with gates that kept moving (its summary, the
      // first line, says how many; a summary means the rebuild finished). Its progress (stderr)
      // says which step it was in.
      const progress = stderr.trim().split('\n').slice(-3).join(' / ');
      const summary = stdout.split('\n')[0] || 'none';
      throw new Error(`${code === null ? 'gate rebuild killed at the deadline' : `gate rebuild exited ${code}`}; its summary: ${summary}; its last progress: ${progress || 'none'}`);
    };
    const stdout = await waitFor(attempt, REBUILD_DEADLINE_MS, 1000);
    return `Redis SIGKILL and restarted empty; gate rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s (${stdout.split('\n')[0]})`;
  },
};
