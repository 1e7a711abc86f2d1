/**
 * A labelled counter whose label sets cannot be known in advance (coupon × cause) shows each new
 * series at 0 for one scrape before counting into it. Prometheus' `increase()` measures change
 * between samples: a series whose first sample is already 8 shows no increase at all, so the first
 * dead letters of a coupon would never alert. Known label values are simply created at 0 instead
 * (see ProcessorMetrics).
 */
import type { Counter } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string | number>>;

export class ZeroFirstCounter<L extends string> {
  /** Label sets that some scrape has already seen. */
  private readonly scraped = new Set<string>();
  private readonly waiting = new Map<string, { labels: Labels<L>; count: number }>();

  constructor(private readonly counter: Counter<L>) {}

  inc(labels: Labels<L>, count = 1): void {
    const key = JSON.stringify(labels);
    if (this.scraped.has(key)) {
      this.counter.inc(labels, count);
      return;
    }
    this.counter.inc(labels, 0);
    const entry = this.waiting.get(key);
    if (entry) entry.count += count;
    else this.waiting.set(key, { labels, count });
  }

  /** Call at each scrape, before the registry renders: counts what waited, then marks every series as seen. */
  onScrape(): void {
    for (const [key, { labels, count }] of this.waiting) {
      if (!this.scraped.has(key)) continue;
      this.counter.inc(labels, count);
      this.waiting.delete(key);
    }
    for (const key of this.waiting.keys()) this.scraped.add(key);
  }
}
