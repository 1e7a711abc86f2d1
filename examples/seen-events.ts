/** A bounded memory of event ids already handled: the example consumer's de-duplication. */
export class SeenEvents {
  private readonly ids = new Set<string>();

  /** Keeps at most `capacity` ids; the oldest is forgotten first. */
  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** True the first time `eventId` is offered (then remembered), false for a repeat still remembered. */
  firstTime(eventId: string): boolean {
    if (this.ids.has(eventId)) return false;
    this.ids.add(eventId);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
