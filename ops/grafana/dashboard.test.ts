/**
 * The provisioned dashboard: valid JSON on the provisioned data source, every query valid PromQL
 * (checked by promtool as recording rules) and reading only metrics that exist.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { baseName, exportedMetricNames, FOREIGN_METRICS, metricNamesIn } from '../prometheus/metric-names.ts';
import { ROOT } from '../stack/paths.ts';

const run = promisify(execFile);

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ expr: string; datasource: { uid: string } }>;
}

const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'ops/grafana/dashboards/coupon-issuance.json'), 'utf8')) as { uid: string; panels: Panel[] };
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
/** Grafana's interval variables, as a query would see them. */
const concrete = (expr: string): string => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '30m');

describe('Grafana dashboard', () => {
  it('shows what operators watch, on the provisioned Prometheus data source', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const wanted of [/requests by outcome/, /Accepted → issued/, /lag/i, /Batch size/, /Stage durations/, /DLQ/, /reserved vs issued/]) {
      expect(titles.some((t) => wanted.test(t)), `a panel matching ${wanted}`).toBe(true);
    }
    const datasources = fs.readFileSync(path.join(ROOT, 'ops/grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    for (const p of dashboard.panels) {
      expect(datasources).toContain(`uid: ${p.datasource.uid}\n`);
      for (const t of p.targets) expect(t.datasource.uid).toBe(p.datasource.uid);
    }
  });

  it('queries valid PromQL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-queries-'));
    try {
      const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: concrete(expr) })) }] };
      const file = path.join(dir, 'queries.yml');
      fs.writeFileSync(file, JSON.stringify(rules));
      const { stdout } = await run('promtool', ['check', 'rules', file]);
      expect(stdout).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads only metrics that exist', async () => {
    const exported = await exportedMetricNames();
    for (const name of exprs.flatMap(metricNamesIn)) {
      expect(exported.has(baseName(name, exported)) || FOREIGN_METRICS.has(name), `${name} is exported`).toBe(true);
    }
  });
});
