import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/args.ts';
import { DEFAULTS, parseBenchArgs } from './options.ts';

describe('parseBenchArgs', () => {
  it('defaults to every scenario at the default sizes', () => {
    expect(parseBenchArgs([])).toEqual({ out: undefined, only: ['limits', 'processor', 'burst', 'gateway', 'e2e'], ...DEFAULTS });
  });

  it('reads the output file, sizes and a subset (run in the fixed order)', () => {
    const opts = parseBenchArgs(['--out', 'bench-x.json', '--records', '2000', '--e2e-rate', '100', '--only', 'e2e,processor']);
    expect(opts).toMatchObject({ out: 'bench-x.json', records: 2000, e2eRate: 100, only: ['processor', 'e2e'] });
  });

  it('answers help', () => {
    expect(parseBenchArgs(['--help'])).toBe('help');
    expect(parseBenchArgs(['-h'])).toBe('help');
  });

  it.each([
    [['--records', '0']],
    [['--records', '1.5']],
    [['--records', 'many']],
    [['--only', 'limits,warp']],
    [['--only', '']],
    [['--unknown']],
    [['positional']],
    [['--burst-users', '10', '--burst-quantity', '20']],
  ])('refuses %j', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });
});
