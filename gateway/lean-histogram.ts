/**
 * A Prometheus histogram of one label whose observation is a bucket increment on a series bound
 * once. prom-client's observe builds a closure, validates and hashes the labels and looks a bucket
 * up by its float key on every call: four per issue request cost more than the rest of the
 * request's metrics. Exported through the same registry and text format as prom-client's own.
 */
import type { Metric, Registry } from 'prom-client';

export interface LatencySeries {
  observe(seconds: number): void;
}

class Series implements LatencySeries {
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

export interface LeanHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelName: L;
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class LeanHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelName: L;
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(config: LeanHistogramConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelName = config.labelName;
    this.bounds = [...config.buckets];
    // The registry only reads name and calls get(), which this class answers as prom-client's histograms do.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label value; bind it once and observe on it. */
  labels(value: string): LatencySeries {
    let series = this.series.get(value);
    if (!series) {
      series = new Series(this.bounds);
      this.series.set(value, series);
    }
    return series;
  }

  /** The samples in prom-client's shape: cumulative buckets (le), then sum and count, per series. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [value, series] of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: i < this.bounds.length ? this.bounds[i]! : '+Inf', [this.labelName]: value }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: value }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: value }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
