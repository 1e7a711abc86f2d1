/**
 * The command lines of the ops tools. `parseOptions` (node:util parseArgs, bad input as a
 * UsageError) is the one parser the operator CLI, the demo and the bench share; on top of it the
 * operator CLI describes a tree of commands by plain specs, with every help text generated from the
 * same spec it is parsed with, so usage and parsing cannot drift apart.
 *
 * Pure: no I/O. `resolveCommand` says what to run (or which help to show); main.ts runs it.
 */
import { parseArgs } from 'node:util';

/** Bad usage: unknown command or option, missing or invalid value. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of a string option's value in help, e.g. `<iso|duration>`. */
  value?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  /** Takes every remaining positional (at least one). */
  variadic?: boolean;
}

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', description: 'machine-readable JSON on stdout instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

type OptionTypes = Record<string, Pick<OptionSpec, 'type' | 'short'>>;

/** Parsed arguments, with typed accessors that reject names the parser was not told about. */
export class Args {
  constructor(
    private readonly options: OptionTypes,
    private readonly values: Record<string, string | boolean | undefined>,
    readonly positionals: string[],
    /** Who declared the options, for programming errors. */
    private readonly owner: string,
    private readonly positionalNames: string[] = [],
  ) {}

  get json(): boolean {
    return this.values.json === true;
  }

  string(name: string): string | undefined {
    this.declared(name, 'string');
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  flag(name: string): boolean {
    this.declared(name, 'boolean');
    return this.values[name] === true;
  }

  /** The positional of that name (variadic: the first of them). */
  positional(name: string): string {
    const index = this.positionalNames.indexOf(name);
    if (index < 0) throw new Error(`${this.owner} declares no positional ${name}`);
    return this.positionals[index]!;
  }

  private declared(name: string, type: OptionSpec['type']): void {
    if (this.options[name]?.type !== type) throw new Error(`${this.owner} declares no ${type} option --${name}`);
  }
}

/** What a command hands back: data for --json, text for people, and optionally a non-zero exit code. */
export interface CommandResult {
  data: unknown;
  text: string;
  exitCode?: number;
}

/** What help and parsing need of a command. */
export interface CommandInfo {
  name: string;
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
}

export interface CommandSpec<Ctx = unknown> extends CommandInfo {
  name: string;
  summary: string;
  /** More text under the usage line of the command's help. */
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  run: (ctx: Ctx, args: Args) => Promise<CommandResult>;
}

export interface CommandGroup<Ctx = unknown> {
  name: string;
  summary: string;
  commands: Array<CommandSpec<Ctx>>;
  /** The command run when the group is followed by an option instead of a command name (`grant --coupon 1` = `grant run --coupon 1`). */
  defaultCommand?: string;
}

export type CommandEntry<Ctx = unknown> = CommandSpec<Ctx> | CommandGroup<Ctx>;

export const isGroup = <Ctx>(entry: CommandEntry<Ctx>): entry is CommandGroup<Ctx> => 'commands' in entry;

export interface Program<Ctx = unknown> {
  /** How the user invokes it, e.g. `coupon-ops`. */
  name: string;
  description: string;
  entries: Array<CommandEntry<Ctx>>;
  /** Closing paragraphs of the top-level help (configuration, exit codes). */
  epilogue: string;
}

/**
 * Strict parseArgs over `options`: an unknown option, a missing value or (unless `positionals`
 * names them) a positional argument is a UsageError, its message prefixed with `context` if given.
 */
export function parseOptions(options: OptionTypes, argv: string[], how: { context?: string; positionals?: string[] } = {}): Args {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: how.positionals !== undefined,
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }])),
    }) as typeof parsed;
  } catch (err) {
    // parseArgs reports unknown options and missing values as TypeErrors with a readable message.
    throw new UsageError(how.context ? `${how.context}: ${(err as Error).message}` : (err as Error).message, { cause: err });
  }
  return new Args(options, parsed.values, parsed.positionals, how.context ?? 'the command line', how.positionals);
}

export type Resolved<Ctx> = { kind: 'help'; text: string } | { kind: 'run'; command: CommandSpec<Ctx>; args: Args };

const HELP_TOKENS = new Set(['-h', '--help']);

/** Help anywhere before `--` wins over everything else, so `--help` always answers. */
const asksHelp = (argv: string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => HELP_TOKENS.has(a));
};

export function resolveCommand<Ctx>(program: Program<Ctx>, argv: string[]): Resolved<Ctx> {
  const [first, ...rest] = argv;
  if (first === undefined || HELP_TOKENS.has(first)) return { kind: 'help', text: programHelp(program) };
  const entry = program.entries.find((e) => e.name === first);
  if (!entry) throw new UsageError(`unknown command "${first}"; commands: ${program.entries.map((e) => e.name).join(', ')}`);
  if (!isGroup(entry)) return parseCommand(program, [], entry, rest);
  const [sub, ...tail] = rest;
  if (sub === undefined || HELP_TOKENS.has(sub)) return { kind: 'help', text: groupHelp(program, entry) };
  const command = entry.commands.find((c) => c.name === sub);
  const fallback = sub.startsWith('-') ? entry.commands.find((c) => c.name === entry.defaultCommand) : undefined;
  if (!command && fallback) return parseCommand(program, [entry.name], fallback, rest);
  if (!command) throw new UsageError(`unknown command "${entry.name} ${sub}"; ${entry.name} commands: ${entry.commands.map((c) => c.name).join(', ')}`);
  return parseCommand(program, [entry.name], command, tail);
}

function parseCommand<Ctx>(program: Program<Ctx>, path: string[], command: CommandSpec<Ctx>, argv: string[]): Resolved<Ctx> {
  if (asksHelp(argv)) return { kind: 'help', text: commandHelp(program, path, command) };
  const context = [...path, command.name].join(' ');
  const args = parseOptions({ ...command.options, ...COMMON_OPTIONS }, argv, { context, positionals: (command.positionals ?? []).map((p) => p.name) });
  checkPositionals(path, command, args.positionals);
  return { kind: 'run', command, args };
}

function checkPositionals(path: string[], command: CommandInfo, given: string[]): void {
  const specs = command.positionals ?? [];
  const name = [...path, command.name].join(' ');
  const variadic = specs.at(-1)?.variadic === true;
  if (given.length < specs.length) throw new UsageError(`${name}: missing ${specs.slice(given.length).map((p) => `<${p.name}>`).join(' ')}`);
  if (!variadic && given.length > specs.length) throw new UsageError(`${name}: unexpected argument "${given[specs.length]}"`);
}

const usageOf = (path: string[], command: CommandInfo): string => {
  const positionals = (command.positionals ?? []).map((p) => (p.variadic ? `<${p.name}>...` : `<${p.name}>`));
  const options = Object.keys(command.options ?? {}).length > 0 ? ['[options]'] : [];
  return [...path, command.name, ...positionals, ...options].join(' ');
};

/** Rows of `left  right`, the right column aligned. */
function columns(rows: Array<[string, string]>, indent = '  '): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}   ${right}`).join('\n');
}

const optionLabel = (name: string, o: OptionSpec): string =>
  `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;

function commandRows<Ctx>(program: Program<Ctx>): Array<[string, string]> {
  return program.entries.flatMap((e): Array<[string, string]> =>
    isGroup(e) ? e.commands.map((c) => [usageOf([e.name], c).replace(' [options]', ''), c.summary]) : [[usageOf([], e).replace(' [options]', ''), e.summary]],
  );
}

export function programHelp<Ctx>(p: Program<Ctx>): string {
  return [
    `Usage: ${p.name} <command> [options]`,
    '',
    p.description,
    '',
    'Commands:',
    columns(commandRows(p)),
    '',
    `Every command takes --json (machine-readable output) and -h/--help; \`${p.name} <command> --help\` says more.`,
    '',
    p.epilogue,
  ].join('\n');
}

export function groupHelp<Ctx>(program: Program<Ctx>, group: CommandGroup<Ctx>): string {
  const rows = group.commands.map((c): [string, string] => [usageOf([group.name], c).replace(' [options]', ''), c.summary]);
  const usage = group.defaultCommand ? `${group.name} [<command>]` : `${group.name} <command>`;
  const fallback = group.defaultCommand ? [`Without a command, \`${program.name} ${group.name} --option ...\` runs \`${group.name} ${group.defaultCommand}\`.`, ''] : [];
  return [`Usage: ${program.name} ${usage} [options]`, '', group.summary, '', 'Commands:', columns(rows), '', ...fallback, `\`${program.name} ${group.name} <command> --help\` says more.`].join('\n');
}

export function commandHelp<Ctx>(program: Program<Ctx>, path: string[], c: CommandInfo): string {
  const lines = [`Usage: ${program.name} ${usageOf(path, c)}`, '', c.summary];
  if (c.description) lines.push('', c.description);
  if (c.positionals?.length) lines.push('', 'Arguments:', columns(c.positionals.map((a): [string, string] => [`<${a.name}>`, a.description])));
  const options: Record<string, OptionSpec> = { ...c.options, ...COMMON_OPTIONS };
  lines.push('', 'Options:', columns(Object.entries(options).map(([name, o]): [string, string] => [optionLabel(name, o), o.description])));
  lines.push('', EXIT_CODES);
  return lines.join('\n');
}

/**
 * The exit codes of every ops tool (README, "Exit codes"): 0 ok; 1 the tool failed (a service
 * unreachable, a run that could not finish); 2 bad usage, or a check the tool exists to make found
 * the product broken (an invariant of the demo, the bench or the chaos run).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, broken: 2 } as const;

export const EXIT_CODES = 'Exit codes: 0 ok; 1 runtime failure (a service unreachable, a record not found, ...); 2 bad usage (unknown command or option, invalid value or configuration).';
