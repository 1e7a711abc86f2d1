/** Which holds are old enough to settle, and how the evidence settles one (docs/gate.md, "Settling holds"). */
import type { GateRequest } from './accounting.ts';

export interface Hold extends GateRequest {
  /** Epoch ms of the reservation. */
  heldAt: number;
  /** Its member of the holds set (a grant's names the grant's code, not the event id): what settling it removes. */
  member: string;
}

/** Holds reserved at least `settleMs` before `nowMs`: no produce of theirs can still land. */
export const settleable = <H extends Pick<Hold, 'heldAt'>>(holds: readonly H[], nowMs: number, settleMs: number): H[] => holds.filter((h) => nowMs - h.heldAt >= settleMs);

export type Settlement = 'confirm' | 'release';

/**
 * A hold whose request has a ledger row or a record in Kafka above the processor's committed
 * offset reached Kafka: confirm it. Otherwise its record never landed: release it.
 */
export const settlementOf = (hold: GateRequest, inLedger: ReadonlySet<string>, inKafka: ReadonlySet<string>): Settlement =>
  inLedger.has(hold.eventId) || inKafka.has(hold.eventId) ? 'confirm' : 'release';
