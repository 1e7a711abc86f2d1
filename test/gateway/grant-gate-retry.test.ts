/**
 * A grant whose gate call times out after Redis ran it (Redis stalled past the client's command
 * timeout: the reservation happened, the answer was lost) goes on: the chunk is tried again, its
 * users answer HELD and are produced once, nothing is reserved twice, and no user is refused.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Gate, type BatchReserveOutcome, type GrantedRequest } from '../../gateway/gate.ts';
import { uploadGrant } from '../../gateway/grant/grant-runner.ts';
import { GrantStore } from '../../gateway/grant/grant-store.ts';
import { grantableCoupon, runnerParts, userLines } from '../support/grants.ts';

/** A gate whose first reservation runs and then fails as a command timeout does. */
class StallingGate extends Gate {
  stalls = 1;

  override async reserveGrant(couponId: number, grantId: string, requests: readonly GrantedRequest[], nowMs: number): Promise<BatchReserveOutcome[]> {
    const outcomes = await super.reserveGrant(couponId, grantId, requests, nowMs);
    if (this.stalls-- > 0) throw new Error('Command timed out');
    return outcomes;
  }
}

const parts = runnerParts('grant-gate-retry-test');

describe('a grant at a stalling gate', () => {
  it('tries the timed-out chunk again: every user produced once, the unit reserved once', async () => {
    const gate = new StallingGate(parts.redis);
    const couponId = await grantableCoupon(parts.db, gate, 100);
    const grantId = `retry-${randomUUID().slice(0, 8)}`;
    const deps = { gate, producer: parts.producer, store: new GrantStore(parts.db), log: pino({ level: 'silent' }) };
    const upload = await uploadGrant(userLines(60), deps, { couponId, grantId, batchSize: 25, gateChunk: 10 });
    expect(gate.stalls).toBeLessThan(0);
    expect(upload.progress).toMatchObject({ users: 60, produced: 60, reserved: 50, held: 10, refused: 0 });
    expect(await gate.figures(couponId)).toEqual({ primed: true, reserved: 60 });
  });
});
