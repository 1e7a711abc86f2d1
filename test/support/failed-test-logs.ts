/**
 * Runs in every integration test file (vitest setupFiles): when a test fails (a timeout too), the
 * last lines each service it started wrote are printed with the failure. A CI run keeps only the
 * test output, and a fault test that timed out says nothing of which process stopped doing what.
 */
import fs from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import { startedServices, type StartedService } from '../../ops/run/service-process.ts';

const LINES = 40;
const LINE_CHARS = 400;

let mark = 0;
beforeEach(() => {
  mark = startedServices.length;
});
afterEach(({ task }) => {
  if (task.result?.state !== 'fail') return;
  for (const service of startedServices.slice(mark)) console.error(report(service));
});

function report(service: StartedService): string {
  const text = fs.readFileSync(service.logFile).subarray(service.logOffset).toString('utf8');
  // Two incarnations of one instance share a log file: keep this process's lines (pino's carry its pid).
  const own = (l: string): boolean => !l.startsWith('{') || l.includes(`"pid":${service.pid},`);
  const lines = text.split('\n').filter((l) => l.length > 0 && own(l)).slice(-LINES);
  const body = lines.map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l)).join('\n');
  return `--- ${service.label} (pid ${service.pid}), last ${lines.length} lines of ${service.logFile} ---\n${body}`;
}
