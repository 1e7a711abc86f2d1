/**
 * The Postgres half of a unit, in the mode's two steps (mode.ts): `load` takes a connection and
 * loads the unit while the partition's previous unit is still being decided on another one;
 * `decide` decides it on that connection when its turn comes. Decisions of a partition stay one
 * at a time and in order (pipeline.ts); the loads overlap them.
 * Fail closed: only a data-class error (classify) that recurs when the record is decided alone
 * marks that record FAILED; every other error propagates so the unit is retried from the last
 * committed offsets.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { checkOut, withPoolClient, type CheckedOut } from '../platform/postgres-pool.ts';
import { classify, poisonsConnection } from './errors.ts';
import { markFailed, type LedgerOutcome, type StageTimer } from './ledger.ts';
import type { ModeStrategy } from './mode.ts';
import type { StagedRequest } from './plan.ts';

/** A record Postgres refused even its FAILED outcome: it can only be dead-lettered. */
export interface Unrecordable {
  staged: StagedRequest;
  message: string;
}

export interface Decision {
  outcomes: LedgerOutcome[];
  unrecordable: Unrecordable[];
}

/**
 * Units smaller than this are loaded when their turn comes, with their decision. Their COPY is
 * short, and loading them early cost latency: at 1,000 requests a second (bench e2e) transactions
 * held 16-18 records instead of 24-28 and the p50 rose from 43-47 to 60-64 ms; with this bound it
 * was 42 ms. A grant's or a backlog's units of 5,000 gain from it (hot coupon 33k -> 46k records/s).
 */
const EARLY_LOAD_MIN_RECORDS = 200;

/** A unit ready for its decision: loaded on a connection, or (small, a load that failed) not. */
export interface LoadedUnit {
  staged: StagedRequest[];
  connection?: CheckedOut;
}

export class PostgresDecider {
  constructor(
    private readonly pool: pg.Pool,
    private readonly mode: ModeStrategy,
    private readonly time: StageTimer,
    private readonly log: Logger,
  ) {}

  /**
   * Loads `staged` on a connection of its own (a unit of EARLY_LOAD_MIN_RECORDS or more). Never
   * throws: a unit whose load failed is decided from the start by decide(), which meets the error
   * again and deals with it.
   */
  async load(staged: StagedRequest[]): Promise<LoadedUnit> {
    if (staged.length < EARLY_LOAD_MIN_RECORDS) return { staged };
    try {
      return { staged, connection: await this.loadOnOwnConnection(staged) };
    } catch (err) {
      this.log.debug({ err }, 'loading a unit ahead of its decision failed; it is decided from the start');
      return { staged };
    }
  }

  /** Decides a unit, loading it first if it was not (in FCFS order); a data error narrows down to the records that cause it. */
  async decide(unit: LoadedUnit): Promise<Decision> {
    const { staged } = unit;
    if (staged.length === 0) return { outcomes: [], unrecordable: [] };
    let connection = unit.connection;
    let outcomes: LedgerOutcome[];
    try {
      connection ??= await this.loadOnOwnConnection(staged);
      outcomes = await this.mode.decide(connection.client, staged, this.time);
    } catch (err) {
      if (connection) await this.abandon(connection, err);
      if (classify(err) !== 'data') throw err;
      return this.isolate(staged, err as Error);
    }
    connection.release();
    return { outcomes, unrecordable: [] };
  }

  /** Gives up a loaded unit that will not be decided (the partition failed or stopped first). */
  async discard({ connection }: LoadedUnit): Promise<void> {
    if (connection) await this.abandon(connection);
  }

  /** Checks a connection out and loads `staged` on it; a failed load is abandoned and thrown. */
  private async loadOnOwnConnection(staged: StagedRequest[]): Promise<CheckedOut> {
    const connection = await checkOut(this.pool, this.log, poisonsConnection);
    try {
      await this.mode.load(connection.client, staged, this.time);
      return connection;
    } catch (err) {
      await this.abandon(connection, err);
      throw err;
    }
  }

  /** Ends the unit's transaction and hands the connection back (discarded if the error or the rollback broke it). */
  private async abandon(connection: CheckedOut, failure?: unknown): Promise<void> {
    try {
      await this.mode.abandon(connection.client);
      connection.release(failure);
    } catch (err) {
      connection.release(err);
    }
  }

  /** Postgres refused a value of `staged`: its halves are decided apart until the record alone is refused. */
  private async isolate(staged: StagedRequest[], cause: Error): Promise<Decision> {
    if (staged.length === 1) return this.fail(staged[0]!, cause);
    // Halves in order keep first-come-first-served: the earlier half is decided first.
    this.log.warn({ err: cause, records: staged.length }, 'Postgres refused the values of a record in this batch; isolating it');
    const middle = Math.ceil(staged.length / 2);
    const first = await this.decide({ staged: staged.slice(0, middle) });
    const second = await this.decide({ staged: staged.slice(middle) });
    return { outcomes: [...first.outcomes, ...second.outcomes], unrecordable: [...first.unrecordable, ...second.unrecordable] };
  }

  /** The record alone is refused for its values: its request ends FAILED (dead-lettered by the collector). */
  private async fail(staged: StagedRequest, cause: Error): Promise<Decision> {
    const code = (cause as { code?: string }).code ?? 'unknown';
    const message = `UNPROCESSABLE: Postgres refused the request (SQLSTATE ${code}): ${cause.message}`;
    this.log.error({ err: cause, eventId: staged.eventId, partition: staged.partition, offset: staged.offset }, 'request refused by Postgres for its values; it ends FAILED');
    try {
      return { outcomes: [await withPoolClient(this.pool, this.log, (c) => markFailed(c, staged, message), poisonsConnection)], unrecordable: [] };
    } catch (err) {
      if (classify(err) !== 'data') throw err;
      this.log.error({ err, eventId: staged.eventId }, 'the ledger refused even the FAILED outcome; dead-lettering without one');
      return { outcomes: [], unrecordable: [{ staged, message }] };
    }
  }
}
