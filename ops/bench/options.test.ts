import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/args.ts';
import { DEFAULTS, parseBenchArgs } from './options.ts';

describe('parseBenchArgs', () => {
  it('defaults to every scenario at the default sizes', () => {
    expect(parseBenchArgs([])).toEqual({ out: undefined, baseline: undefined, only: ['limits', 'processor', 'burst', 'gateway', 'e2e', 'hot-coupon', 'scale', 'grant'], ...DEFAULTS });
  });

  it('reads the output file, sizes and a subset (run in the fixed order)', () => {
    const opts = parseBenchArgs(['--out', 'bench-x.json', '--baseline', 'start.json', '--records', '2000', '--e2e-rate', '100', '--only', 'e2e,processor']);
    expect(opts).toMatchObject({ out: 'bench-x.json', baseline: 'start.json', records: 2000, e2eRate: 100, only: ['processor', 'e2e'] });
  });

  it('takes the hot-coupon and scale scenarios and their sizes', () => {
    const opts = parseBenchArgs(['--only', 'scale,hot-coupon', '--hot-records', '500', '--hot-seconds', '2', '--hot-connections', '5', '--scale-records', '3000']);
    expect(opts).toMatchObject({ only: ['hot-coupon', 'scale'], hotRecords: 500, hotSeconds: 2, hotConnections: 5, scaleRecords: 3000 });
  });

  it('paces the grant only when asked', () => {
    expect(parseBenchArgs(['--only', 'grant'])).not.toHaveProperty('grantMaxRate');
    expect(parseBenchArgs(['--only', 'grant', '--grant-max-rate', '5000'])).toMatchObject({ grantMaxRate: 5000 });
  });

  it('loads the gateway at each of a list of connection counts, ascending, once each', () => {
    expect(parseBenchArgs(['--gateway-concurrency', '200, 50,200,100'])).toMatchObject({ gatewayConcurrency: [50, 100, 200] });
    expect(parseBenchArgs(['--gateway-concurrency', '10'])).toMatchObject({ gatewayConcurrency: [10] });
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
    [['--grant-max-rate', '0']],
    [['--gateway-concurrency', '100,,200']],
    [['--gateway-concurrency', '100,x']],
  ])('refuses %j', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });
});
