import { describe, expect, it } from 'vitest';
import { meanBetween, meanMsBetween, parseSamples, sumOf } from './prometheus-text.ts';

const scrape = (sum: number, count: number, extra = ''): string => `# HELP coupon_processor_records_total Records processed.
# TYPE coupon_processor_records_total counter
coupon_processor_records_total{outcome="issued"} 1000
coupon_processor_records_total{outcome="rejected"} 500
coupon_processor_stage_duration_seconds_bucket{le="0.001",stage="merge"} 1
coupon_processor_stage_duration_seconds_sum{stage="merge"} ${sum}
coupon_processor_stage_duration_seconds_count{stage="merge"} ${count}
coupon_processor_stage_duration_seconds_sum{stage="copy"} 0.5
coupon_processor_stage_duration_seconds_count{stage="copy"} 10
process_cpu_seconds_total 12.5
${extra}`;

describe('parseSamples / sumOf', () => {
  it('reads names, labels and values, skipping comments', () => {
    const samples = parseSamples(scrape(3, 10));
    expect(samples.find((s) => s.name === 'process_cpu_seconds_total')).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 12.5 });
    expect(samples.find((s) => s.name === 'coupon_processor_stage_duration_seconds_bucket')!.labels).toEqual({ le: '0.001', stage: 'merge' });
  });

  it('sums every sample of a name, or those matching the labels', () => {
    const samples = parseSamples(scrape(3, 10));
    expect(sumOf(samples, 'coupon_processor_records_total')).toBe(1500);
    expect(sumOf(samples, 'coupon_processor_records_total', { outcome: 'rejected' })).toBe(500);
    expect(sumOf(samples, 'not_there')).toBe(0);
  });

  it('unescapes label values', () => {
    const [sample] = parseSamples('m{path="a\\"b\\\\c"} 1');
    expect(sample!.labels.path).toBe('a"b\\c');
  });
});

describe('meanBetween / meanMsBetween', () => {
  it('averages the observations made between two scrapes', () => {
    const before = parseSamples(scrape(3, 10));
    const after = parseSamples(scrape(5, 14));
    expect(meanBetween(before, after, 'coupon_processor_stage_duration_seconds', { stage: 'merge' })).toBeCloseTo(0.5);
    // copy had no observations in between: left out.
    expect(meanMsBetween(before, after, 'coupon_processor_stage_duration_seconds', 'stage')).toEqual({ merge: 500 });
  });

  it('is null without observations', () => {
    const same = parseSamples(scrape(3, 10));
    expect(meanBetween(same, same, 'coupon_processor_stage_duration_seconds')).toBeNull();
  });
});
