/**
 * Open-loop HTTP load at a fixed offered rate: request k leaves at start + k/rate whatever the
 * earlier answers are doing (autocannon's rate limit sends each connection's quota for the second
 * in one burst, which is not a steady rate). Keep-alive connections (http-posts.ts).
 */
import { HttpPosts } from './http-posts.ts';

export interface PacedOptions {
  baseUrl: string;
  path: string;
  rate: number;
  seconds: number;
  body: (n: number) => string;
}

export interface PacedAnswer {
  status: number;
  body: string;
  sentAt: number;
  answeredAt: number;
}

export interface PacedResult {
  answers: PacedAnswer[];
  /** Requests that got no HTTP answer (connection error, 10 s timeout). */
  errors: number;
  /** When the first request was sent (epoch ms). */
  startedAt: number;
}

const TICK_MS = 1;
const MAX_CONNECTIONS = 512;
const REQUEST_TIMEOUT_MS = 10_000;

export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const client = new HttpPosts(new URL(opts.baseUrl), MAX_CONNECTIONS, REQUEST_TIMEOUT_MS);
  const total = Math.round(opts.rate * opts.seconds);
  const answers: PacedAnswer[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;

  const send = (n: number): void => {
    const sentAt = Date.now();
    const done = client.post(opts.path, opts.body(n)).then(
      ({ status, body }) => void answers.push({ status, body, sentAt, answeredAt: Date.now() }),
      () => void errors++,
    );
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const started = Date.now();
  try {
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((Date.now() - started) * opts.rate) / 1000) + 1);
      while (sent < due) send(++sent);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    // Every request ends within REQUEST_TIMEOUT_MS (answer, error or timeout).
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  } finally {
    client.close();
  }
  return { answers, errors, startedAt: started };
}
