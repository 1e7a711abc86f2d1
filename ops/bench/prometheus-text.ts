/** Reading figures out of a Prometheus text exposition (the services' /metrics). */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include every pair of `labels` (0 if none). */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** Mean observation of a histogram between two scrapes (sum and count deltas); null without observations. */
export function meanBetween(before: readonly Sample[], after: readonly Sample[], histogram: string, labels: Record<string, string> = {}): number | null {
  const delta = (suffix: string): number => sumOf(after, `${histogram}_${suffix}`, labels) - sumOf(before, `${histogram}_${suffix}`, labels);
  const count = delta('count');
  return count > 0 ? delta('sum') / count : null;
}

/**
 * Mean of a seconds histogram per value of `label` between two scrapes, in ms: e.g. the mean time
 * of each stage of the requests answered in between. Values not observed in between are left out.
 */
export function meanMsBetween(before: readonly Sample[], after: readonly Sample[], histogram: string, label: string): Record<string, number> {
  const values = new Set(after.filter((s) => s.name === `${histogram}_count`).flatMap((s) => (s.labels[label] === undefined ? [] : [s.labels[label]])));
  const means: Record<string, number> = {};
  for (const value of values) {
    const mean = meanBetween(before, after, histogram, { [label]: value });
    if (mean !== null) means[value] = Math.round(mean * 1000 * 100) / 100;
  }
  return means;
}
