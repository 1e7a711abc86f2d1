import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from './options.ts';

describe('parseDemoArgs', () => {
  it('defaults to 10,000 users, 1,000 coupons, 5 % repeats and 1 % malformed requests', () => {
    expect(parseDemoArgs([])).toEqual({
      kind: 'run',
      options: { users: 10_000, quantity: 1_000, concurrency: 100, repeats: 500, malformed: 100, keepRunning: false, jsonFile: undefined },
    });
  });

  it('takes every option', () => {
    const parsed = parseDemoArgs(['--users', '300', '--quantity=50', '--concurrency', '20', '--repeats', '10', '--malformed', '0', '--keep-running', '--json', 'out.json']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { users: 300, quantity: 50, concurrency: 20, repeats: 10, malformed: 0, keepRunning: true, jsonFile: 'out.json' },
    });
  });

  it('derives the default repeats from the users, capped by what can be accepted', () => {
    expect(parseDemoArgs(['--users', '300'])).toMatchObject({ options: { repeats: 15, malformed: 3 } });
    expect(parseDemoArgs(['--users', '1000', '--quantity', '10'])).toMatchObject({ options: { repeats: 10 } });
  });

  it('asks for help', () => {
    expect(parseDemoArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseDemoArgs(['-h', '--users', 'x'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--users', '0'], /--users must be a whole number from 1/],
    [['--users', '1e4'], /--users must be a whole number/],
    [['--concurrency', '-5'], /--concurrency/],
    [['--repeats', '60', '--users', '100', '--quantity', '50'], /--repeats must be at most .* = 50/],
    [['--json', ''], /--json needs a file name/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--users'], /--users/],
    [['extra'], /positional/i],
  ])('refuses %j', (argv, message) => {
    const parsed = parseDemoArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
