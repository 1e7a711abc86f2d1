import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LeanHistogram } from './lean-histogram.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: Array<[string, number]> = [
  ['gate', 0.0005],
  ['gate', 0.001],
  ['gate', 0.02],
  ['produce', 0.5],
  ['produce', 7],
  ['gate', 0.0099],
];

describe('LeanHistogram', () => {
  it("exports exactly the text prom-client's own histogram exports for the same observations", async () => {
    const lean = new Registry();
    const reference = new Registry();
    const config = { name: 'x_duration_seconds', help: 'time of x', buckets: BUCKETS };
    const histogram = new LeanHistogram({ ...config, labelName: 'stage', registers: [lean] });
    const theirs = new Histogram({ ...config, labelNames: ['stage'], registers: [reference] });
    for (const [stage, seconds] of OBSERVED) {
      histogram.labels(stage).observe(seconds);
      theirs.labels(stage).observe(seconds);
    }
    expect(await lean.metrics()).toBe(await reference.metrics());
  });

  it('binds one series per label value', () => {
    const histogram = new LeanHistogram({ name: 'y_seconds', help: 'y', labelName: 'route', buckets: BUCKETS, registers: [] });
    expect(histogram.labels('/a')).toBe(histogram.labels('/a'));
    expect(histogram.labels('/a')).not.toBe(histogram.labels('/b'));
  });
});
