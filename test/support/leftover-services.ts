/**
 * Runs in every integration test file (vitest setupFiles): services a file started and did not
 * stop — its test failed or timed out before the stop — are killed when the file ends, before the
 * next file starts. A processor left behind would stay in the shared group and take partitions
 * (and their records) from the next file's processors.
 */
import { afterAll } from 'vitest';
import { killRunningServices } from '../../ops/run/service-process.ts';

afterAll(async () => {
  const pids = await killRunningServices();
  if (pids.length > 0) console.warn(`killed ${pids.length} service process(es) this file left running: ${pids.join(', ')}`);
});
