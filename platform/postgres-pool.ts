/**
 * A service's Postgres pool and the checkout of one connection from it, each with the `error`
 * guard pg needs: a connection that fails, idle or checked out, emits 'error', which unheard
 * crashes the process.
 */
import pg from 'pg';
import type { Logger } from 'pino';

/** A pool whose idle connections may fail without crashing the process; the next query reconnects. */
export function openPool(config: pg.PoolConfig, log: Logger): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', (err) => log.warn({ err }, 'idle Postgres connection failed'));
  return pool;
}

/**
 * Runs `work` on a checked-out connection. The pool only watches idle connections, so the checked-out
 * one gets a listener of its own while it is out. It goes back to the pool unless it failed or
 * `poisons` says the error `work` threw leaves it unusable; then it is discarded.
 */
export async function withPoolClient<T>(
  pool: pg.Pool,
  log: Logger,
  work: (client: pg.PoolClient) => Promise<T>,
  poisons: (err: unknown) => boolean = () => true,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
    log.warn({ err }, 'Postgres connection lost while checked out');
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (err) {
    if (poisons(err)) broken = err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
