/**
 * Runs units of work in order, overlapping unit n's commit with unit n+1's prepare. Commits stay
 * in order (unit n+1 commits only after unit n did); the first failure stops the run and is
 * thrown once no commit is in flight any more.
 */
export async function runPipelined<U, P>(units: U[], prepare: (unit: U) => Promise<P>, commit: (prepared: P) => Promise<void>): Promise<void> {
  let committing: Promise<void> | undefined;
  try {
    for (const unit of units) {
      const prepared = await prepare(unit);
      await committing;
      committing = commit(prepared);
      // Awaited on the next turn; until then a fast failure must not be an unhandled rejection.
      committing.catch(() => undefined);
    }
    await committing;
  } catch (err) {
    // Never leave a commit in flight behind a failure.
    await committing?.catch(() => undefined);
    throw err;
  }
}
