/**
 * The flash sale's load: every simulated user asks for the coupon once, all at once (bounded by
 * the number of requests in flight), malformed requests are spread evenly among them, and some
 * users whose request was accepted ask again (a reload or a double submit).
 *
 * Plain node:http over keep-alive sockets rather than fetch: it costs the client the least CPU on
 * a machine it shares with the services it measures. Latency runs from sending a request to the
 * end of its answer's body.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { readAnswerBody, type Answer, type RequestKind } from './answers.ts';

export interface SaleRequest {
  kind: RequestKind;
  path: string;
  body: string;
}

/** Malformed requests the gateway must answer 400, used in turn; `coupon` overrides the path's coupon id. */
export const MALFORMED: ReadonlyArray<{ what: string; body: string; coupon?: string }> = [
  { what: 'invalid JSON', body: '{"userId": 1' },
  { what: 'empty body', body: '' },
  { what: 'no userId', body: '{}' },
  { what: 'userId as a string', body: '{"userId":"7"}' },
  { what: 'negative userId', body: '{"userId":-7}' },
  { what: 'fractional userId', body: '{"userId":1.5}' },
  { what: 'unknown field', body: '{"userId":7,"vip":true}' },
  { what: 'not an object', body: '[7]' },
  { what: 'coupon id not a number', body: '{"userId":7}', coupon: 'abc' },
];

const issuePath = (coupon: string | number): string => `/api/coupons/${coupon}/issue`;

/** Users 1..users in order, with `malformed` bad requests spread evenly among them. */
export function planSale(couponId: number, users: number, malformed: number): SaleRequest[] {
  const total = users + malformed;
  const plan: SaleRequest[] = [];
  let user = 0;
  let bad = 0;
  for (let i = 0; i < total; i++) {
    if (bad < malformed && Math.floor(((i + 1) * malformed) / total) > bad) {
      const variant = MALFORMED[bad++ % MALFORMED.length]!;
      plan.push({ kind: 'malformed', path: issuePath(variant.coupon ?? couponId), body: variant.body });
    } else {
      plan.push({ kind: 'first', path: issuePath(couponId), body: JSON.stringify({ userId: ++user }) });
    }
  }
  return plan;
}

export interface SaleSettings {
  baseUrl: string;
  concurrency: number;
  /** How many accepted users ask again. */
  repeats: number;
}

export interface SaleResult {
  answers: Answer[];
  seconds: number;
}

/** Runs `plan` against the gateway; `onAnswer` sees every answer as it arrives (for progress). */
export async function runFlashSale(plan: readonly SaleRequest[], settings: SaleSettings, onAnswer: (answer: Answer) => void): Promise<SaleResult> {
  const target = new URL(settings.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.concurrency });
  const answers: Answer[] = [];
  // Repeats go first, so they arrive during the burst rather than after it.
  const repeats: SaleRequest[] = [];
  let repeatsLeft = settings.repeats;
  let next = 0;
  const started = performance.now();

  const worker = async (): Promise<void> => {
    for (;;) {
      const request = repeats.shift() ?? plan[next++];
      if (!request) return;
      const answer = await send(agent, target, request);
      answers.push(answer);
      onAnswer(answer);
      if (answer.status === 202 && request.kind === 'first' && repeatsLeft > 0) {
        repeatsLeft--;
        repeats.push({ ...request, kind: 'repeat' });
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, plan.length) }, worker));
  } finally {
    agent.destroy();
  }
  return { answers, seconds: (performance.now() - started) / 1000 };
}

function send(agent: http.Agent, target: URL, request: SaleRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const body = Buffer.from(request.body);
    const started = performance.now();
    const answer = (status: number, read: { eventId: string | undefined; code: string | undefined }): void =>
      resolve({ kind: request.kind, status, ...read, latencyMs: performance.now() - started });
    const failed = (err: NodeJS.ErrnoException): void => answer(0, { eventId: undefined, code: err.code ?? err.message });

    const req = http.request(
      { agent, host: target.hostname, port: target.port, method: 'POST', path: request.path, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => answer(res.statusCode ?? 0, readAnswerBody(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', failed);
      },
    );
    req.on('error', failed);
    req.end(body);
  });
}
