/**
 * Closed-loop HTTP load: `connections` keep one request in flight each, for a number of seconds or
 * of requests; every answer can be looked at as it arrives. It sends with the bench's own client
 * (http-posts.ts), as the open-loop load does: autocannon cost the load generator 35-46 µs of CPU
 * a request at 10,000 requests/s — about 0.4 of the two cores the gateway it measures runs on.
 */
import { HttpPosts } from './http-posts.ts';
import { percentile } from './stats.ts';

export interface ClosedLoopOptions {
  baseUrl: string;
  path: string;
  connections: number;
  /** Run for this long... */
  seconds?: number;
  /** ...or until this many requests were answered. */
  amount?: number;
  /** The JSON body of the n-th request (n from 1). */
  body: (n: number) => string;
  /** Every answer, with the time it arrived (epoch ms). */
  onAnswer?: (status: number, body: string, at: number) => void;
}

export interface ClosedLoopResult {
  seconds: number;
  latencyMs: { p50: number; p99: number };
  /** Answers by HTTP status. */
  answers: Record<string, number>;
  /** Requests without an answer (connection errors, timeouts). */
  errors: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export async function closedLoop(opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const client = new HttpPosts(new URL(opts.baseUrl), opts.connections, REQUEST_TIMEOUT_MS);
  const latencies: number[] = [];
  const answers: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = opts.seconds === undefined ? Infinity : started + opts.seconds * 1000;
  const more = (): boolean => (opts.amount === undefined || sent < opts.amount) && performance.now() < deadline;

  // One loop a connection: the next request leaves when the previous one is answered.
  const connection = async (): Promise<void> => {
    while (more()) {
      const n = ++sent;
      const sentAt = performance.now();
      try {
        const { status, body } = await client.post(opts.path, opts.body(n));
        latencies.push(performance.now() - sentAt);
        answers[status] = (answers[status] ?? 0) + 1;
        opts.onAnswer?.(status, body, Date.now());
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.connections }, connection));
  } finally {
    client.close();
  }
  return {
    seconds: (performance.now() - started) / 1000,
    latencyMs: { p50: Math.round(percentile(latencies, 0.5)), p99: Math.round(percentile(latencies, 0.99)) },
    answers,
    errors,
  };
}
