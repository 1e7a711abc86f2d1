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
 * A connection checked out of the pool, for work that spans more than one call (a unit loaded
 * into Postgres ahead of its decision). The pool only watches idle connections, so it has a
 * listener of its own while it is out. `release` hands it back, or discards it when it failed
 * while out or `poisons` says the error it is given leaves it unusable.
 */
export interface CheckedOut {
  client: pg.PoolClient;
  release(failure?: unknown): void;
}

export async function checkOut(pool: pg.Pool, log: Logger, poisons: (err: unknown) => boolean = () => true): Promise<CheckedOut> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
    log.warn({ err }, 'Postgres connection lost while checked out');
  };
  client.on('error', onError);
  return {
    client,
    release(failure?: unknown): void {
      if (failure !== undefined && poisons(failure)) broken ??= failure as Error;
      client.off('error', onError);
      client.release(broken);
    },
  };
}

/** Runs `work` on a connection checked out for it alone (checkOut), and releases it however the work ends. */
export async function withPoolClient<T>(
  pool: pg.Pool,
  log: Logger,
  work: (client: pg.PoolClient) => Promise<T>,
  poisons: (err: unknown) => boolean = () => true,
): Promise<T> {
  const connection = await checkOut(pool, log, poisons);
  let failure: unknown;
  try {
    return await work(connection.client);
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    connection.release(failure);
  }
}
