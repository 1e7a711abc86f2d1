/** Starting a test's own broker (ops/stack's Kafka component on ports of the test's own) and waiting until it serves. */
import type { Component } from '../../ops/stack/component.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { waitFor } from '../../ops/run/wait-for.ts';

export async function startBroker(broker: Component): Promise<void> {
  await broker.start();
  await waitFor(() => broker.checkHealth().then(() => true), broker.startTimeoutMs, 500, () => {
    const exited = broker.processNames.find((name) => !isAlive(readPid(name)));
    return exited && `${exited} exited; see ${broker.logFiles.join(', ')}`;
  });
}
