#!/usr/bin/env node
/**
 * `npm run ops -- <command>` / `coupon-ops <command>`: resolves the command line, runs the command
 * and prints its result (a table, or JSON with --json). Exit codes: 0 ok, 1 runtime failure,
 * 2 bad usage or configuration.
 */
import { EXIT, resolveCommand, UsageError, type CommandResult } from './args.ts';
import { ConfigError } from '../../platform/service-config.ts';
import { causesOf } from './causes.ts';
import { OpsContext } from './context.ts';
import { program } from './program.ts';

/** The message of an error and of every cause under it. */
const describeError = (err: unknown): string => causesOf(err).map((m, i) => `${i === 0 ? 'error' : '  caused by'}: ${m}`).join('\n');

/** Writes to stdout and waits until it is handed over: a large write to a pipe completes asynchronously, and the exit below would cut it. */
const writeOut = (text: string): Promise<void> => new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));

async function main(argv: string[]): Promise<number> {
  let resolved;
  try {
    resolved = resolveCommand(program, argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n(${program.name} --help lists the commands)\n`);
    return EXIT.usage;
  }
  if (resolved.kind === 'help') {
    process.stdout.write(`${resolved.text}\n`);
    return EXIT.ok;
  }
  const ctx = new OpsContext();
  try {
    const result: CommandResult = await resolved.command.run(ctx, resolved.args);
    await writeOut(resolved.args.json ? `${JSON.stringify(result.data, null, 2)}\n` : `${result.text}\n`);
    return result.exitCode ?? EXIT.ok;
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    process.stderr.write(usage ? `error: ${(err as Error).message}\n` : `${describeError(err)}\n`);
    return usage ? EXIT.usage : EXIT.failure;
  } finally {
    await ctx.close();
  }
}

// Exit explicitly: a client library's stray handle must not keep a finished command alive.
process.exit(await main(process.argv.slice(2)));
