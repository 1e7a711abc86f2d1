/**
 * Batch and single mode, one strategy object each, chosen here and nowhere else: how many records
 * one unit holds, how many units a partition runs in one turn, how many partitions are
 * worked on at once, and how a unit is decided in Postgres.
 */
import type pg from 'pg';
import type { ProcessorConfig } from './config.ts';
import { abandonBatch, decideBatch, loadBatch, type LedgerOutcome, type StageTimer } from './ledger.ts';
import { applyOne } from './ledger-single.ts';
import type { StagedRequest } from './plan.ts';

export interface ModeStrategy {
  /** Records per unit (a transaction holds one unit of each partition that finished one meanwhile). */
  unitRecords: number;
  /** Partitions worked on at once, each unit on a Postgres connection of its own (the next one loaded on a second); their units share transactions. */
  partitionsInFlight: number;
  /**
   * Units a partition runs before it gives its place up to a partition waiting for one; also how
   * many units' worth of records the poll loop keeps waiting for one partition alone (three a
   * partition when more are assigned: processing-loop.ts).
   */
  unitsPerTurn: number;
  /**
   * The Postgres work of a unit that can run before its turn to be decided, while the
   * partition's previous unit is decided on another connection (batch: BEGIN + COPY).
   */
  load(client: pg.ClientBase, staged: StagedRequest[], time: StageTimer): Promise<void>;
  /** Decides a unit `load` loaded on `client` and returns the ledger outcome of each staged request. */
  decide(client: pg.ClientBase, staged: StagedRequest[], time: StageTimer): Promise<LedgerOutcome[]>;
  /** Ends the work of a loaded unit that will not be decided, or whose decision failed. */
  abandon(client: pg.ClientBase): Promise<void>;
}

/** COPY + one set-based merge per transaction of up to `maxRecords` (ledger.ts). */
export const batchMode = (maxRecords: number, partitionsInFlight: number): ModeStrategy => ({
  unitRecords: maxRecords,
  partitionsInFlight,
  unitsPerTurn: 8,
  load: loadBatch,
  decide: decideBatch,
  abandon: abandonBatch,
});

/** The old design's approach, kept as the benchmark's baseline: one record, one transaction, plain INSERTs. */
export const singleMode: ModeStrategy = {
  unitRecords: 1,
  partitionsInFlight: 1,
  unitsPerTurn: 1,
  // Each record is its own transaction, begun and ended by applyOne.
  load: async () => undefined,
  abandon: async () => undefined,
  async decide(client, staged, time) {
    const outcomes: LedgerOutcome[] = [];
    for (const s of staged) outcomes.push(await time('merge', () => applyOne(client, s)));
    return outcomes;
  },
};

export const modeStrategy = (config: Pick<ProcessorConfig, 'mode' | 'batchMaxRecords' | 'partitionsInFlight'>): ModeStrategy =>
  config.mode === 'batch' ? batchMode(config.batchMaxRecords, config.partitionsInFlight) : singleMode;
