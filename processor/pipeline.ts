/**
 * Runs units of work in order through three stages, so that Postgres and the JavaScript thread
 * work at the same time even on one partition:
 * - stage (decode, plan, and the Postgres work that can come early: mode.ts's load) of unit n+1
 *   runs while unit n is decided;
 * - decide (Postgres) of unit n+1 starts as soon as unit n's decision is back: decisions stay in
 *   order, one at a time;
 * - commit (JavaScript: outputs, then the Kafka transaction) of unit n starts as soon as it is
 *   decided and runs while unit n+1 is decided; commits stay in order (unit n+1's starts only
 *   after unit n's finished), and a unit decided before a failure still commits.
 * Units are taken from `units` one at a time, as the pipeline has room for the next: an iterator
 * may hand over records that arrived while the previous units were being worked on.
 * The first failure stops the run and is thrown once no decision or commit is in flight any more.
 */
export interface PipelineStages<U, S, D> {
  stage(unit: U): Promise<S>;
  decide(staged: S): Promise<D>;
  commit(decided: D): Promise<void>;
  /** A staged unit the run will not decide (a failure came first): what staging took is given back. */
  discard(staged: S): Promise<void>;
}

export async function runPipelined<U, S, D>(units: Iterable<U>, stages: PipelineStages<U, S, D>): Promise<void> {
  let deciding: Promise<D> | undefined;
  // The commit of the last unit decided, chained after every earlier one, and the one before it.
  let committed: Promise<void> | undefined;
  let earlier: Promise<void> | undefined;
  // Awaited later; until then a fast failure must not be an unhandled rejection.
  const inFlight = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined);
    return work;
  };
  // A unit commits as soon as it is decided and the unit before it committed, not once the next
  // unit is staged (its load waits for Postgres).
  const commitInTurn = async (decision: Promise<D>, previous: Promise<void> | undefined): Promise<void> => {
    const decided = await decision;
    await previous;
    await stages.commit(decided);
  };
  try {
    for (const unit of units) {
      const staged = await stages.stage(unit);
      try {
        await deciding;
      } catch (err) {
        await stages.discard(staged);
        throw err;
      }
      deciding = inFlight(stages.decide(staged));
      const older = earlier;
      earlier = committed;
      committed = inFlight(commitInTurn(deciding, committed));
      // At most the unit deciding and one decided unit wait behind the commit in flight.
      await older;
    }
    await committed;
  } catch (err) {
    // Never leave a decision or a commit in flight behind a failure.
    await Promise.allSettled([deciding, committed]);
    throw err;
  }
}
