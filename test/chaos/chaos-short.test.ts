/**
 * The short chaos run (a few faults of each kind, 2.5 minutes of load) as CI runs it: the real
 * `ops/chaos/main.ts` against the 3-broker cluster and private Redis, Postgres and registry; it
 * must exit 0 with nothing lost, doubled, over-issued, stuck or locked out, I1-I7 held, and the
 * bulk grants run beside the sale DONE as their files asked.
 * Its own log: .stack/logs/chaos-short.log.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChaosReport } from '../../ops/chaos/report.ts';
import { ROOT, stackPath } from '../../ops/stack/paths.ts';

const MINUTES = 2.5;

/** Runs the chaos CLI; what it prints goes to .stack/logs/chaos-short.log as it goes. */
function runChaos(jsonFile: string): Promise<{ code: number | null; output: string }> {
  const logFile = stackPath('logs', 'chaos-short.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/chaos/main.ts', '--minutes', String(MINUTES), '--seed', '1', '--rate', '30', '--json', jsonFile], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output: fs.readFileSync(logFile, 'utf8') })));
}

describe('chaos run, short form', () => {
  it('survives a few faults of each kind with every accepted request answered once and no invariant broken', async () => {
    const jsonFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-')), 'report.json');

    const run = await runChaos(jsonFile);

    const tail = run.output.split('\n').filter((l) => l.startsWith('[chaos]')).slice(-40).join('\n');
    expect(fs.existsSync(jsonFile), tail).toBe(true);
    const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ChaosReport;
    const planned = ['processor_kill', 'gateway_kill', 'redis_stall', 'broker_stop', 'broker_kill', 'redis_data_loss', 'postgres_restart', 'postgres_freeze', 'postgres_error', 'registry_restart'];
    for (const kind of planned) expect(report.faults[kind] ?? 0, `${kind} injected`).toBeGreaterThanOrEqual(1);
    expect(report.accepted).toBeGreaterThan(0);
    expect({ lost: report.lost, doubled: report.doubled, over_issued: report.over_issued, stuck: report.stuck, locked_out: report.locked_out, crashes: report.exits.filter((e) => e.signal !== null) }, tail).toEqual({
      lost: 0,
      doubled: 0,
      over_issued: 0,
      stuck: 0,
      locked_out: 0,
      crashes: [],
    });
    expect({ done: report.grants.done, problems: report.grants.problems }, tail).toEqual({ done: report.grants.planned, problems: [] });
    expect(report.grants.planned).toBeGreaterThanOrEqual(2);
    for (const [name, held] of Object.entries(report.invariants)) expect(held, `${name}: ${report.details[name] ?? 'not checked'}`).not.toBe(false);
    expect(run.code, tail).toBe(0);
  }, 16 * 60_000);
});
