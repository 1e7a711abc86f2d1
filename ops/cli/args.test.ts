import { describe, expect, it } from 'vitest';
import { parseOptions, resolveCommand, UsageError, type CommandGroup, type CommandSpec, type Program } from './args.ts';

const ok = async () => ({ data: null, text: '' });

const show: CommandSpec = {
  name: 'show',
  summary: 'one record',
  positionals: [{ name: 'position', description: 'partition:offset' }],
  options: { raw: { type: 'boolean', description: 'bytes only' } },
  run: ok,
};
const replay: CommandSpec = {
  name: 'replay',
  summary: 'replay records',
  positionals: [{ name: 'selection', description: 'what to replay', variadic: true }],
  options: { since: { type: 'string', value: '<iso|duration>', description: 'newer than this' }, 'dry-run': { type: 'boolean', description: 'only say' } },
  run: ok,
};
const dlq: CommandGroup = { name: 'dlq', summary: 'dead letters', commands: [show, replay] };
const lag: CommandSpec = { name: 'lag', summary: 'group lag', run: ok };
const program: Program = { name: 'tool', description: 'A tool.', entries: [dlq, lag], epilogue: 'Exit codes: 0, 1, 2.' };

const run = (argv: string[]) => {
  const r = resolveCommand(program, argv);
  if (r.kind !== 'run') throw new Error(`expected a command, got help:\n${r.text}`);
  return r;
};
const help = (argv: string[]): string => {
  const r = resolveCommand(program, argv);
  if (r.kind !== 'help') throw new Error('expected help');
  return r.text;
};

describe('resolveCommand', () => {
  it('finds a grouped command and its arguments', () => {
    const r = run(['dlq', 'replay', '0:5', '0:7-9', '--since', '2h', '--dry-run', '--json']);
    expect(r.command).toBe(replay);
    expect(r.args.positionals).toEqual(['0:5', '0:7-9']);
    expect(r.args.positional('selection')).toBe('0:5');
    expect(r.args.string('since')).toBe('2h');
    expect(r.args.flag('dry-run')).toBe(true);
    expect(r.args.json).toBe(true);
  });

  it('runs a group\'s default command when the group is followed by an option', () => {
    const grouped: Program = { ...program, entries: [{ ...dlq, defaultCommand: 'replay' }, lag] };
    const r = resolveCommand(grouped, ['dlq', '--since', '2h', '0:5']);
    expect(r.kind === 'run' && r.command).toBe(replay);
    expect(r.kind === 'run' && r.args.string('since')).toBe('2h');
    expect(() => resolveCommand(grouped, ['dlq', 'nope'])).toThrow(UsageError);
    expect(() => resolveCommand(program, ['dlq', '--since', '2h'])).toThrow(/unknown command "dlq --since"/);
    const text = resolveCommand(grouped, ['dlq']);
    expect(text.kind === 'help' && text.text).toMatch(/Usage: tool dlq \[<command>\] \[options\][\s\S]*runs `dlq replay`/);
  });

  it('finds a top-level command', () => {
    const r = run(['lag']);
    expect(r.command).toBe(lag);
    expect(r.args.json).toBe(false);
  });

  it('refuses to read an option the command does not declare (a programming error, not usage)', () => {
    const r = run(['dlq', 'show', '0:1']);
    expect(() => r.args.string('since')).toThrow(/declares no string option --since/);
    expect(() => r.args.string('raw')).toThrow(/declares no string option --raw/);
  });

  it.each([
    [['nope'], /unknown command "nope"; commands: dlq, lag/],
    [['dlq', 'nope'], /unknown command "dlq nope"; dlq commands: show, replay/],
    [['dlq', 'show'], /dlq show: missing <position>/],
    [['dlq', 'show', '0:1', '0:2'], /dlq show: unexpected argument "0:2"/],
    [['dlq', 'replay'], /dlq replay: missing <selection>/],
    [['dlq', 'replay', '0:1', '--bogus'], /dlq replay: Unknown option '--bogus'/],
    [['dlq', 'replay', '0:1', '--since'], /dlq replay: Option '--since <value>' argument missing/],
    [['lag', 'extra'], /lag: unexpected argument "extra"/],
  ])('%j is bad usage', (argv, message) => {
    expect(() => resolveCommand(program, argv)).toThrow(UsageError);
    expect(() => resolveCommand(program, argv)).toThrow(message);
  });
});

describe('help', () => {
  it('at the top lists every command with its arguments, the configuration epilogue and exit codes', () => {
    for (const argv of [[], ['--help'], ['-h']]) {
      const text = help(argv);
      expect(text).toMatch(/^Usage: tool <command> \[options\]/);
      expect(text).toMatch(/dlq show <position>\s+one record/);
      expect(text).toMatch(/dlq replay <selection>\.\.\.\s+replay records/);
      expect(text).toMatch(/lag\s+group lag/);
      expect(text).toMatch(/Exit codes: 0, 1, 2\.$/);
    }
  });

  it('of a group lists its commands', () => {
    expect(help(['dlq'])).toMatch(/^Usage: tool dlq <command> \[options\]\n\ndead letters\n\nCommands:\n {2}dlq show <position>/);
    expect(help(['dlq', '--help'])).toBe(help(['dlq']));
  });

  it('of a command shows usage, arguments, its options and the common ones, and wins over bad input', () => {
    const text = help(['dlq', 'replay', '--bogus', '--help']);
    expect(text).toMatch(/^Usage: tool dlq replay <selection>\.\.\. \[options\]/);
    expect(text).toMatch(/<selection>\s+what to replay/);
    expect(text).toMatch(/--since <iso\|duration>\s+newer than this/);
    expect(text).toMatch(/--dry-run\s+only say/);
    expect(text).toMatch(/--json\s+machine-readable/);
    expect(text).toMatch(/-h, --help\s+show this help/);
    expect(text).toMatch(/Exit codes: 0 ok; 1 runtime failure .*; 2 bad usage/);
    expect(help(['lag', '-h'])).toMatch(/^Usage: tool lag\n/);
  });

  it('after -- is an argument, not a request for help', () => {
    expect(run(['dlq', 'replay', '--', '--help']).args.positionals).toEqual(['--help']);
  });
});

describe('parseOptions', () => {
  const options = { out: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } } as const;

  it('reads options through typed accessors', () => {
    const args = parseOptions(options, ['--out=x.json', '-v']);
    expect(args.string('out')).toBe('x.json');
    expect(args.flag('verbose')).toBe(true);
    expect(() => args.flag('out')).toThrow(/the command line declares no boolean option --out/);
  });

  it('refuses positionals unless it names them, and says where bad input came from', () => {
    expect(() => parseOptions(options, ['extra'])).toThrow(UsageError);
    expect(() => parseOptions(options, ['--nope'], { context: 'bench' })).toThrow(/^bench: Unknown option '--nope'/);
    expect(parseOptions(options, ['a', 'b'], { positionals: ['first'] }).positional('first')).toBe('a');
  });
});
