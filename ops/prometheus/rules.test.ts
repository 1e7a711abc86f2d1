/**
 * The alert rules as Prometheus itself reads them: `promtool check rules` (syntax, PromQL,
 * templates) and `promtool test rules` (each alert fires on its situation, with its text). promtool
 * comes with Debian's `prometheus` package, which `ops/bootstrap.sh --observability` installs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/paths.ts';
import { baseName, exportedMetricNames, FOREIGN_METRICS, metricNamesIn, ruleExpressions } from './metric-names.ts';

const run = promisify(execFile);
const DIR = path.join(ROOT, 'ops/prometheus');
const filesIn = (folder: string, suffix: string): string[] =>
  fs
    .readdirSync(path.join(DIR, folder))
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(DIR, folder, f));

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR });
    return stdout + stderr;
  } catch (err) {
    const { stdout, stderr, code } = err as { stdout?: string; stderr?: string; code?: unknown };
    if (code === 'ENOENT') throw new Error('promtool is not installed: run `bash ops/bootstrap.sh --observability`', { cause: err });
    throw new Error(`promtool ${args[0]} ${args[1]} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
  }
}

describe('alert rules', () => {
  const rules = filesIn('rules', '.yml');
  const tests = filesIn('tests', '.test.yml');

  it('pass promtool check rules', async () => {
    expect(rules.length).toBeGreaterThan(0);
    expect(await promtool('check', 'rules', ...rules)).toMatch(/SUCCESS/);
  });

  it('pass their promtool unit tests', async () => {
    expect(tests.length).toBeGreaterThan(0);
    expect(await promtool('test', 'rules', ...tests)).toMatch(/SUCCESS/);
  });

  it('each carry a severity, a summary, a description and a runbook naming a command, and each is tested', async () => {
    const text = rules.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const tested = tests.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const alerts = text.split(/^\s+- alert: /m).slice(1);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const name = alert.split('\n')[0]!.trim();
      expect(alert, name).toMatch(/severity: (warning|critical)\n/);
      for (const field of ['summary', 'description', 'runbook']) expect(alert, `${name} ${field}`).toMatch(new RegExp(`\\n\\s+${field}: `));
      expect(alert, `${name} runbook`).toMatch(/runbook: [^]*npm run /);
      expect(tested, `${name} has a promtool test`).toMatch(new RegExp(`alertname: ${name}\\b`));
    }
  });

  it('read only metrics the services export (or that Prometheus and the reconciler export)', async () => {
    const exported = await exportedMetricNames();
    const exprs = rules.flatMap((f) => ruleExpressions(fs.readFileSync(f, 'utf8')));
    expect(exprs.length).toBeGreaterThan(0);
    for (const name of exprs.flatMap(metricNamesIn)) {
      expect(exported.has(baseName(name, exported)) || FOREIGN_METRICS.has(name), `${name} is exported`).toBe(true);
    }
  });
});
