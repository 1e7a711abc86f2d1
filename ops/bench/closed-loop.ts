/**
 * Closed-loop HTTP load with autocannon: `connections` keep one request in flight each, for a
 * number of seconds or of requests; every answer can be looked at as it arrives. autocannon ships
 * no type declarations: the part used here is declared below.
 */
import { createRequire } from 'node:module';

interface AutocannonResult {
  duration: number;
  latency: { p50: number; p99: number };
  /** Connection errors and timeouts. */
  errors: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
  onResponse?: (status: number, body: string) => void;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  timeout: number;
  requests: AutocannonRequest[];
}

type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

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

const REQUEST_TIMEOUT_S = 10;

export async function closedLoop(opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  let n = 0;
  const { onAnswer } = opts;
  const result = await autocannon({
    url: opts.baseUrl,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds ?? 10 }),
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: 'POST',
        path: opts.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: opts.body(++n) }),
        ...(onAnswer ? { onResponse: (status: number, body: string) => onAnswer(status, body, Date.now()) } : {}),
      },
    ],
  });
  return {
    seconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    answers: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, s]) => [status, Number(s.count)])),
    errors: result.errors,
  };
}
