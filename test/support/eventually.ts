/** Polls `check` until it returns a truthy value (or stops throwing) or the deadline passes. */
/** What `eventually` resolves with: the check's value, minus the falsy values it kept polling past. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 100): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
      last = new Error('condition still false');
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`not reached within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
