/**
 * The Postgres half of a unit: decides its staged requests (the mode's strategy, mode.ts) on a
 * checked-out connection, and isolates the records
 * Postgres refuses for their own values. Fail closed: only a data-class error (classify) that
 * recurs when the record is decided alone marks that record FAILED; every other error propagates
 * so the unit is retried from the last committed offsets.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { withPoolClient } from '../platform/postgres-pool.ts';
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

export class PostgresDecider {
  constructor(
    private readonly pool: pg.Pool,
    private readonly mode: ModeStrategy,
    private readonly time: StageTimer,
    private readonly log: Logger,
  ) {}

  /** Decides `staged` (in FCFS order); a data error narrows down to the records that cause it. */
  async decide(staged: StagedRequest[]): Promise<Decision> {
    if (staged.length === 0) return { outcomes: [], unrecordable: [] };
    try {
      return { outcomes: await this.withClient((c) => this.mode.decide(c, staged, this.time)), unrecordable: [] };
    } catch (err) {
      if (classify(err) !== 'data') throw err;
      if (staged.length === 1) return this.fail(staged[0]!, err as Error);
      // Halves in order keep first-come-first-served: the earlier half is decided first.
      this.log.warn({ err, records: staged.length }, 'Postgres refused the values of a record in this batch; isolating it');
      const middle = Math.ceil(staged.length / 2);
      const first = await this.decide(staged.slice(0, middle));
      const second = await this.decide(staged.slice(middle));
      return { outcomes: [...first.outcomes, ...second.outcomes], unrecordable: [...first.unrecordable, ...second.unrecordable] };
    }
  }

  /** The record alone is refused for its values: its request ends FAILED (dead-lettered by the collector). */
  private async fail(staged: StagedRequest, cause: Error): Promise<Decision> {
    const code = (cause as { code?: string }).code ?? 'unknown';
    const message = `UNPROCESSABLE: Postgres refused the request (SQLSTATE ${code}): ${cause.message}`;
    this.log.error({ err: cause, eventId: staged.eventId, partition: staged.partition, offset: staged.offset }, 'request refused by Postgres for its values; it ends FAILED');
    try {
      return { outcomes: [await this.withClient((c) => markFailed(c, staged, message))], unrecordable: [] };
    } catch (err) {
      if (classify(err) !== 'data') throw err;
      this.log.error({ err, eventId: staged.eventId }, 'the ledger refused even the FAILED outcome; dead-lettering without one');
      return { outcomes: [], unrecordable: [{ staged, message }] };
    }
  }

  /** A connection checked out for one piece of work; discarded after an error that is not the data's (it may be broken). */
  private withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPoolClient(this.pool, this.log, work, poisonsConnection);
  }
}
