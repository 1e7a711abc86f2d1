/**
 * A live progress line: on a terminal one line rewritten in place; otherwise (a pipe, a CI log)
 * plain lines, at most one per `plainIntervalMs`, so a log does not fill with redraws.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private lastPlainAt = -Infinity;
  private lastPlain = '';
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly plainIntervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current state; drawn at once on a terminal, as a line now and then otherwise. */
  update(text: string): void {
    if (this.out.isTTY) {
      this.out.write(CLEAR_LINE + this.fit(text));
      this.drawn = true;
    } else if (this.now() - this.lastPlainAt >= this.plainIntervalMs) {
      this.out.write(`${text}\n`);
      this.lastPlainAt = this.now();
      this.lastPlain = text;
    }
  }

  /** The final state of this step as a line of its own (not repeated if it was the last plain line). */
  done(text: string): void {
    if (this.out.isTTY) this.out.write(this.drawn ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
    else if (text !== this.lastPlain) this.out.write(`${text}\n`);
    this.drawn = false;
    this.lastPlainAt = -Infinity;
    this.lastPlain = '';
  }

  /** A rewritten line must not wrap: the carriage return would then only clear its last row. */
  private fit(text: string): string {
    const width = this.out.columns;
    return width && text.length >= width ? `${text.slice(0, Math.max(0, width - 2))}…` : text;
  }
}
