import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ZeroFirstCounter } from './zero-first-counter.ts';

function setup() {
  const registry = new client.Registry();
  const counters: Array<ZeroFirstCounter<'coupon' | 'cause'>> = [];
  const counter = new client.Counter({
    name: 'test_dead_letters_total',
    help: 'test',
    labelNames: ['coupon', 'cause'] as const,
    registers: [registry],
    collect: () => counters[0]!.onScrape(),
  });
  counters.push(new ZeroFirstCounter(counter));
  const scrape = async (): Promise<string[]> =>
    (await registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith('test_dead_letters_total{'));
  return { counter: counters[0]!, scrape };
}

describe('ZeroFirstCounter', () => {
  it('shows a new series at 0 for one scrape, then counts everything it was given', async () => {
    const { counter, scrape } = setup();
    counter.inc({ coupon: '7', cause: 'WRONG_MAGIC_BYTE' }, 3);
    counter.inc({ coupon: '7', cause: 'WRONG_MAGIC_BYTE' });
    expect(await scrape()).toEqual(['test_dead_letters_total{coupon="7",cause="WRONG_MAGIC_BYTE"} 0']);
    expect(await scrape()).toEqual(['test_dead_letters_total{coupon="7",cause="WRONG_MAGIC_BYTE"} 4']);
    counter.inc({ coupon: '7', cause: 'WRONG_MAGIC_BYTE' });
    counter.inc({ coupon: '8', cause: 'INVALID_FIELD' }, 2);
    expect(await scrape()).toEqual(['test_dead_letters_total{coupon="7",cause="WRONG_MAGIC_BYTE"} 5', 'test_dead_letters_total{coupon="8",cause="INVALID_FIELD"} 0']);
    expect(await scrape()).toEqual(['test_dead_letters_total{coupon="7",cause="WRONG_MAGIC_BYTE"} 5', 'test_dead_letters_total{coupon="8",cause="INVALID_FIELD"} 2']);
  });
});
