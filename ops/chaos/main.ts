/**
 * `npm run chaos -- --minutes N [--seed S] [--json FILE] [--rate R]`: the fault-injection run
 * (see run.ts). Prints what it injects as it goes, ends with the JSON report, exits 0 only when
 * nothing was lost, doubled, over-issued, stuck or locked out and every invariant held (exit
 * codes: ops/cli/args.ts EXIT).
 */
import fs from 'node:fs';
import { EXIT, UsageError } from '../cli/args.ts';
import { parseChaosOptions, USAGE, type ChaosOptions } from './options.ts';
import { passed } from './report.ts';
import { runChaos } from './run.ts';

const say = (msg: string): void => console.log(`[chaos] ${msg}`);

async function main(): Promise<number> {
  let options: ChaosOptions | 'help';
  try {
    options = parseChaosOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`chaos: ${err.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (options === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  const report = await runChaos(options, say);
  const json = JSON.stringify(report, null, 2);
  console.log(json);
  if (options.json) fs.writeFileSync(options.json, `${json}\n`);
  const ok = passed(report);
  say(ok ? 'PASSED' : 'FAILED');
  return ok ? EXIT.ok : EXIT.broken;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[chaos] run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(EXIT.failure);
  },
);
