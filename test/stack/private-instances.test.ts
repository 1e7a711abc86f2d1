/**
 * A second Redis and Postgres of the stack's own code, on other ports and in other folders (what a
 * fault run breaks instead of the shared stack): they start, answer, stop, and the shared
 * instances keep running untouched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../ops/stack/component.ts';
import { postgresComponent } from '../../ops/stack/postgres.ts';
import { isAlive, readPid } from '../../ops/stack/process.ts';
import { waitFor } from '../../ops/run/wait-for.ts';
import { redisComponent } from '../../ops/stack/redis.ts';

const own: Component[] = [redisComponent({ name: 'redis-private-test', port: 19391 }), postgresComponent({ name: 'postgres-private-test', port: 19392 })];

afterAll(async () => {
  await Promise.all(own.map((c) => c.stop()));
});

describe('private instances of stack components', () => {
  for (const component of own) {
    it(`${component.name} runs beside the shared one and stops alone`, async () => {
      const shared = component.name.startsWith('redis') ? 'redis' : 'postgres';
      const sharedPid = readPid(shared);
      await component.prepare();
      await component.start();
      await waitFor(() => component.checkHealth().then(() => true), component.startTimeoutMs, 200);
      await component.afterStart?.();
      expect(component.address).toMatch(/:1939[12]$/);
      expect(isAlive(readPid(component.name))).toBe(true);

      await component.stop();

      expect(readPid(component.name)).toBeUndefined();
      await expect(component.checkHealth()).rejects.toThrow();
      expect(readPid(shared)).toBe(sharedPid);
      if (sharedPid !== undefined) expect(isAlive(sharedPid)).toBe(true); // undefined: the shared one is external
    }, 90_000);
  }
});
