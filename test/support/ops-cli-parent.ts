/**
 * A process that runs the operator CLI the way the bench, the chaos run and the tests do
 * (startOpsCli, with the arguments it was given), prints the CLI's pid, and waits to be killed
 * (test/ops/grant.test.ts).
 */
import { startOpsCli } from '../../ops/run/ops-cli.ts';

const { child } = startOpsCli(process.argv.slice(2));
process.stdout.write(`${child.pid}\n`);
setInterval(() => undefined, 60_000);
