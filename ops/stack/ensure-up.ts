/** Brings one component up unless it already answers: prepare, start, wait for health, after-start. */
import type { Component } from './component.ts';
import { ComponentError, isAlive, lastLines, readPid } from './process.ts';
import { waitFor } from '../run/wait-for.ts';

export async function isHealthy(component: Component): Promise<boolean> {
  return component.checkHealth().then(
    () => true,
    () => false,
  );
}

export async function ensureUp(component: Component, say: (msg: string) => void): Promise<void> {
  const started = Date.now();
  if (await isHealthy(component)) {
    await component.afterStart?.();
    say(`${component.name}: already up at ${component.address}`);
    return;
  }
  say(`${component.name}: preparing`);
  try {
    await component.prepare();
  } catch (err) {
    throw new ComponentError(component.name, `preparation failed: ${(err as Error).message}`, undefined, { cause: err });
  }
  say(`${component.name}: starting`);
  await component.start();
  try {
    await waitFor(() => component.checkHealth().then(() => true), component.startTimeoutMs, 500, () => {
      const exited = component.processNames.find((n) => !isAlive(readPid(n)));
      return exited && `process ${exited} exited`;
    });
    await component.afterStart?.();
  } catch (err) {
    const log = component.logFiles[0];
    const tail = log ? lastLines(log) : '';
    throw new ComponentError(component.name, `not healthy: ${(err as Error).message}${tail ? `\n--- last log lines ---\n${tail}` : ''}`, log, {
      cause: err,
    });
  }
  say(`${component.name}: up at ${component.address} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
