/**
 * Open-loop HTTP load at a fixed offered rate: request k leaves at start + k/rate whatever the
 * earlier answers are doing (autocannon's rate limit sends each connection's quota for the second
 * in one burst, which is not a steady rate). Keep-alive connections, Node's own HTTP client.
 */
import http from 'node:http';

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
const REQUEST_TIMEOUT_MS = 10_000;

export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(opts.path, opts.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(opts.rate * opts.seconds);
  const answers: PacedAnswer[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;

  const send = (n: number): void => {
    const payload = opts.body(n);
    const sentAt = Date.now();
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const settle = (answer?: PacedAnswer): void => {
        if (settled) return;
        settled = true;
        if (answer) answers.push(answer);
        else errors++;
        resolve();
      };
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sentAt, answeredAt: Date.now() }));
          res.on('error', () => settle());
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => settle());
      req.end(payload);
    });
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
    agent.destroy();
  }
  return { answers, errors, startedAt: started };
}
