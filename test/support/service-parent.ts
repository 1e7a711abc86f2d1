/**
 * A process that starts a gateway the way the tests, the demo and the bench do, prints the
 * gateway's pid once it is ready, and waits to be killed (test/ops/service-process.test.ts).
 */
import { startGateway } from '../../ops/run/service-process.ts';

const gateway = await startGateway(`service-parent-${process.pid}`);
await gateway.ready();
process.stdout.write(`${gateway.child.pid}\n`);
setInterval(() => undefined, 60_000);
