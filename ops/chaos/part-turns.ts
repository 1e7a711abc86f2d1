/**
 * Faults that act on the same part take turns: a quick-lane Redis stall that starts while the
 * recovering lane has killed Redis and is rebuilding the gate would find no Redis to stall (a
 * failed injection, not a fault), so it waits until the data loss has recovered.
 */
import { Turns } from '../../gateway/grant/turns.ts';

export class PartTurns {
  private readonly lines = new Map<string, Turns>();

  /** Runs `fn` once every earlier call for `part` has ended; without a part, at once. */
  async take<T>(part: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (part === undefined) return fn();
    let line = this.lines.get(part);
    if (!line) this.lines.set(part, (line = new Turns()));
    const turn = line.next();
    await turn.after;
    try {
      return await fn();
    } finally {
      turn.done();
    }
  }
}
