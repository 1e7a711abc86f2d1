import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fatalErrors } from './fatal-errors.ts';

/** A logger whose lines are kept as parsed objects. */
function capturingLog(): { log: pino.Logger; lines: Array<{ level: number; msg: string; err?: { message: string } }> } {
  const lines: Array<{ level: number; msg: string; err?: { message: string } }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('fatalErrors', () => {
  it('stops for the first error and logs it as the only fatal line, the errors raised while stopping as errors', async () => {
    const { log, lines } = capturingLog();
    let stopping = false;
    const stops: Error[] = [];
    const fatal = fatalErrors(log, () => stopping, (err) => {
      stopping = true;
      stops.push(err);
    });

    fatal(new Error('consumer fenced out of the group'));
    fatal(new Error('the transactional producer failed while the processor stops'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(stops.map((e) => e.message)).toEqual(['consumer fenced out of the group']);
    expect(lines.filter((l) => l.level === 60).map((l) => l.err?.message)).toEqual(['consumer fenced out of the group']);
    expect(lines.filter((l) => l.level === 50).map((l) => l.err?.message)).toEqual(['the transactional producer failed while the processor stops']);
  });

  it('does not name an error as the reason when a signal is already stopping the process', async () => {
    const { log, lines } = capturingLog();
    const stops: Error[] = [];
    const fatal = fatalErrors(log, () => true, (err) => stops.push(err));

    fatal(new Error('the transactional producer failed while the processor stops'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(stops).toEqual([]);
    expect(lines.map((l) => l.level)).toEqual([50]);
  });
});
