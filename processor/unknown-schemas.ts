/**
 * A schema id the registry does not know may be known soon (a registry restored from an older
 * backup, a writer's registration still replicating), so its records are retried for a grace
 * period before they are dead-lettered as UNKNOWN_SCHEMA_ID.
 */
const MAX_TRACKED = 10_000;

export class UnknownSchemaGrace {
  private readonly firstSeen = new Map<number, number>();

  constructor(private readonly graceMs: number) {}

  /** True while records written with `schemaId` should wait rather than go to the DLQ. */
  waiting(schemaId: number, now: number): boolean {
    let first = this.firstSeen.get(schemaId);
    if (first === undefined) {
      // Garbage with random ids must not grow this without bound; forgetting only restarts a grace.
      if (this.firstSeen.size >= MAX_TRACKED) this.firstSeen.clear();
      this.firstSeen.set(schemaId, (first = now));
    }
    return now - first < this.graceMs;
  }
}
