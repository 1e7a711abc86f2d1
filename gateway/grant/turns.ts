/**
 * Turns taken in order: each batch's step waits for the previous batch's same step to be done,
 * while other steps of the batches overlap. A grant's batches are in flight together, yet the
 * gate must see them in file order (first come, first served by line) and the roster must list
 * a user at its first line (a duplicate further down the file is in a later batch).
 */
export interface Turn {
  /** Resolves once the previous turn is done. */
  after: Promise<void>;
  /** Hands over to the next turn (call it once, whatever happened). */
  done: () => void;
}

export class Turns {
  private last: Promise<void> = Promise.resolve();

  /** The next turn in line. */
  next(): Turn {
    const after = this.last;
    let done: () => void = () => undefined;
    this.last = new Promise<void>((resolve) => (done = resolve));
    return { after, done };
  }
}
