import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TERMINAL_OUTCOMES } from './outcomes.ts';

describe('TERMINAL_OUTCOMES', () => {
  it('are the outcomes the ledger table admits', () => {
    const migration = fs.readFileSync(new URL('../ops/db/migrations/001_coupons.sql', import.meta.url), 'utf8');
    const admitted = /outcome\s+text\s+NOT NULL CHECK \(outcome IN \(([^)]*)\)\)/.exec(migration)?.[1];
    expect(admitted?.split(',').map((s) => s.trim().replace(/'/g, ''))).toEqual([...TERMINAL_OUTCOMES]);
  });
});
