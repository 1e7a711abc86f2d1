import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/args.ts';
import { parseChaosOptions } from './options.ts';

describe('parseChaosOptions', () => {
  it('defaults to a 20-minute run with a fresh seed', () => {
    expect(parseChaosOptions([], () => 99)).toEqual({ minutes: 20, seed: 99, json: undefined, rate: 40 });
  });

  it('reads minutes, seed, json file and rate', () => {
    expect(parseChaosOptions(['--minutes', '3', '--seed', '7', '--json', 'out.json', '--rate', '25'])).toEqual({ minutes: 3, seed: 7, json: 'out.json', rate: 25 });
  });

  it('answers help', () => {
    expect(parseChaosOptions(['--help'])).toBe('help');
    expect(parseChaosOptions(['--minutes', '3', '-h'])).toBe('help');
  });

  it('refuses nonsense', () => {
    expect(() => parseChaosOptions(['--minutes', '0'])).toThrow(/--minutes/);
    expect(() => parseChaosOptions(['--seed', '1.5'])).toThrow(/--seed must be an integer/);
    expect(() => parseChaosOptions(['--rate', 'x'])).toThrow(/--rate/);
    expect(() => parseChaosOptions(['--what'])).toThrow(UsageError);
    expect(() => parseChaosOptions(['--minutes', '0'])).toThrow(UsageError);
  });
});
