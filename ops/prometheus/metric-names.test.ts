import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/paths.ts';
import { baseName, exportedMetricNames, exportedMetrics, FOREIGN_METRICS, metricNamesIn, ruleExpressions } from './metric-names.ts';

describe('metricNamesIn', () => {
  it('finds metric names, not functions, keywords, labels or Grafana variables', () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(coupon_x_seconds_bucket{route="/a_b"}[$__rate_interval])))')).toEqual(['coupon_x_seconds_bucket']);
    expect(metricNamesIn('sum(a_total) > 0 and on () (sum(increase(b_total{result="committed"}[2m])) or vector(0)) == 0')).toEqual(['a_total', 'b_total']);
    expect(metricNamesIn('up{job=~"gateway|processor"} == 0 or x_healthy offset 10m')).toEqual(['up', 'x_healthy']);
  });
});

describe('ruleExpressions', () => {
  it('reads one-line and folded expressions', () => {
    const yaml = ['  - alert: A', '    expr: a_total > 0', '    for: 1m', '  - alert: B', '    expr: >-', '      sum(b_total)', '      / sum(c_total)', '    labels:', '      x: y'].join('\n');
    expect(ruleExpressions(yaml)).toEqual(['a_total > 0', 'sum(b_total) / sum(c_total)']);
  });
});

describe('exportedMetricNames', () => {
  it('lists both services’ own metrics', async () => {
    const names = await exportedMetricNames();
    for (const name of ['coupon_gateway_requests_total', 'coupon_processor_consumer_lag_records', 'coupon_dlq_records_total']) expect(names).toContain(name);
    expect(baseName('coupon_processor_end_to_end_seconds_bucket', names)).toBe('coupon_processor_end_to_end_seconds');
  });
});

describe('metric names', () => {
  it('follow Prometheus conventions: counters end in _total, histograms name their unit', async () => {
    for (const { name, type } of await exportedMetrics()) {
      expect(name, name).toMatch(/^coupon_[a-z0-9_]+$/);
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      else expect(name, name).not.toMatch(/_total$/);
      if (type === 'histogram') expect(name, name).toMatch(/_(seconds|records|bytes)$/);
    }
  });
});

describe('README', () => {
  it('lists every metric the services export', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const name of [...(await exportedMetricNames()), ...FOREIGN_METRICS.keys()].filter((n) => n !== 'up')) expect(readme, name).toContain(`\`${name}\``);
  });
});
