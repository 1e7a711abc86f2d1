import { EventEmitter } from 'node:events';
import type pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { withPoolClient } from './postgres-pool.ts';

/** A checked-out connection that records how it was released. */
class FakeClient extends EventEmitter {
  released: { broken: Error | boolean | undefined } | undefined;
  release(broken?: Error | boolean): void {
    this.released = { broken };
  }
}

const poolOf = (client: FakeClient) => ({ connect: async () => client }) as unknown as pg.Pool;
const log = pino({ level: 'silent' });

describe('withPoolClient()', () => {
  it('returns the work to the pool and the connection with it', async () => {
    const client = new FakeClient();
    await expect(withPoolClient(poolOf(client), log, async () => 7)).resolves.toBe(7);
    expect(client.released).toEqual({ broken: undefined });
    expect(client.listenerCount('error')).toBe(0);
  });

  it('survives an error the connection emits while out, and discards that connection', async () => {
    const client = new FakeClient();
    const lost = new Error('connection terminated');
    await withPoolClient(poolOf(client), log, async () => {
      client.emit('error', lost);
      return 1;
    });
    expect(client.released).toEqual({ broken: lost });
  });

  it('keeps a connection the error of the work does not poison, and discards one it does', async () => {
    const refused = new Error('duplicate key');
    const kept = new FakeClient();
    await expect(withPoolClient(poolOf(kept), log, () => Promise.reject(refused), () => false)).rejects.toBe(refused);
    expect(kept.released).toEqual({ broken: undefined });
    const discarded = new FakeClient();
    await expect(withPoolClient(poolOf(discarded), log, () => Promise.reject(refused))).rejects.toBe(refused);
    expect(discarded.released).toEqual({ broken: refused });
  });
});
