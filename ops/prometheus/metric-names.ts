/**
 * The metric names the services export, and the ones a PromQL expression reads: lets the tests
 * check that alert rules, the dashboard and the README name only metrics that exist, and all of them.
 */
import { createMetrics } from '../../gateway/metrics.ts';
import { ProcessorMetrics } from '../../processor/metrics.ts';

/** Series that are not exported by the gateway or the processor but by Prometheus or another tool. */
export const FOREIGN_METRICS: ReadonlyMap<string, string> = new Map([
  ['up', 'Prometheus, per scrape target'],
]);

/** The coupon_* metrics both services export, with their types (their default process metrics left out). */
export async function exportedMetrics(): Promise<Array<{ name: string; type: string }>> {
  const registries = [createMetrics().registry, new ProcessorMetrics().registry];
  const metrics = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
  return metrics.filter((m) => m.name.startsWith('coupon_')).map((m) => ({ name: m.name, type: String(m.type) }));
}

export async function exportedMetricNames(): Promise<Set<string>> {
  return new Set((await exportedMetrics()).map((m) => m.name));
}

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'le']);

/** Metric names an expression reads: identifiers with an underscore (or `up`) that are not functions, keywords or label values. */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = new Set<string>();
  for (const match of withoutStrings.matchAll(/(?<![\w$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1]!;
    if (PROMQL_WORDS.has(name) || !/_|^up$/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** The exported name a series name belongs to (a histogram's _bucket, _sum, _count series). */
export function baseName(series: string, exported: Set<string>): string {
  if (exported.has(series)) return series;
  const stripped = series.replace(HISTOGRAM_SUFFIX, '');
  return exported.has(stripped) ? stripped : series;
}

/** The `expr:` of every rule of a rules file, one-line or folded (`>-`). */
export function ruleExpressions(yaml: string): string[] {
  const exprs: string[] = [];
  const lines = yaml.split('\n');
  lines.forEach((line, i) => {
    const match = /^(\s*)expr: (.*)$/.exec(line);
    if (!match) return;
    if (!match[2]!.startsWith('>')) return void exprs.push(match[2]!);
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > match[1]!.length); j++) body.push(lines[j]!.trim());
    exprs.push(body.join(' '));
  });
  return exprs;
}
