import { describe, expect, it } from 'vitest';
import { Progress, type ProgressStream } from './progress.ts';

function stream(isTTY: boolean, columns?: number): ProgressStream & { text: string } {
  return {
    isTTY,
    columns,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('Progress', () => {
  it('rewrites one line in place on a terminal and ends it with a newline', () => {
    const out = stream(true);
    const progress = new Progress(out);
    progress.update('1/3');
    progress.update('2/3');
    progress.done('3/3 done');
    expect(out.text).toBe('\r\x1b[2K1/3\r\x1b[2K2/3\r\x1b[2K3/3 done\n');
  });

  it('cuts a terminal line to the width so it never wraps', () => {
    const out = stream(true, 10);
    new Progress(out).update('0123456789abc');
    expect(out.text).toBe('\r\x1b[2K01234567…');
  });

  it('writes plain lines at most once per interval when not a terminal, and always the final one', () => {
    const out = stream(false);
    let now = 0;
    const progress = new Progress(out, 1000, () => now);
    progress.update('a');
    now = 500;
    progress.update('b');
    now = 1000;
    progress.update('c');
    progress.done('d');
    expect(out.text).toBe('a\nc\nd\n');
  });

  it('does not repeat the last plain line as the final one', () => {
    const out = stream(false);
    const progress = new Progress(out);
    progress.update('50/50');
    progress.done('50/50');
    expect(out.text).toBe('50/50\n');
  });

  it('writes a step that had no updates as a plain line on a terminal too', () => {
    const out = stream(true);
    new Progress(out).done('ready');
    expect(out.text).toBe('ready\n');
  });
});
