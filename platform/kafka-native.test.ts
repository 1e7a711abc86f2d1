import { describe, expect, it } from 'vitest';
import { disconnectPolled, type PolledProducer } from './kafka-native.ts';

/** Records what a native producer is asked, and whether its poll timer still runs when the disconnect begins. */
class RecordingProducer implements PolledProducer {
  polling = true;
  readonly calls: string[] = [];

  setPollInterval(intervalMs: number): void {
    this.polling = intervalMs > 0;
    this.calls.push(`setPollInterval ${intervalMs}`);
  }

  disconnect(timeoutMs: number, cb: () => void): void {
    this.calls.push(`disconnect ${timeoutMs} (polling: ${this.polling})`);
    setImmediate(cb);
  }
}

describe('disconnectPolled', () => {
  it('stops the poll timer before the disconnect destroys the handle, and resolves once disconnected', async () => {
    const producer = new RecordingProducer();
    await disconnectPolled(producer, 7000);
    expect(producer.calls).toEqual(['setPollInterval 0', 'disconnect 7000 (polling: false)']);
  });
});
