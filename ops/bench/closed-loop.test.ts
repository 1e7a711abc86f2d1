import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop } from './closed-loop.ts';
import { json, serve, type Handler, type TestServer } from './http-test-server.ts';

const servers: TestServer[] = [];

/** A server answering after `delayMs`, counting the requests it holds at once. */
async function counting(delayMs: number, answer: Handler = (_req, body, res) => json(res, 202, body)): Promise<TestServer & { peak: () => number; handled: () => number }> {
  let open = 0;
  let peak = 0;
  let handled = 0;
  const server = await serve((req, body, res) => {
    handled++;
    peak = Math.max(peak, ++open);
    setTimeout(() => {
      open--;
      answer(req, body, res);
    }, delayMs);
  });
  servers.push(server);
  return { ...server, peak: () => peak, handled: () => handled };
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('closedLoop', () => {
  it('sends exactly `amount` requests, numbered from 1, with at most one in flight a connection', async () => {
    const server = await counting(2);
    const bodies: string[] = [];
    const result = await closedLoop({
      baseUrl: server.url.href,
      path: '/issue',
      connections: 4,
      amount: 60,
      body: (n) => `{"n":${n}}`,
      onAnswer: (status, body) => {
        expect(status).toBe(202);
        bodies.push(body);
      },
    });
    expect(result.answers).toEqual({ 202: 60 });
    expect(result.errors).toBe(0);
    expect(bodies.map((b) => (JSON.parse(b) as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(server.peak()).toBe(4);
    expect(server.connections).toHaveLength(4);
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(2);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
  });

  it('counts requests without an answer as errors and goes on', async () => {
    let n = 0;
    const server = await counting(0, (req, body, res) => {
      if (++n % 5 === 0) req.socket.destroy();
      else json(res, 409, body);
    });
    const result = await closedLoop({ baseUrl: server.url.href, path: '/', connections: 2, amount: 50, body: () => '{}' });
    expect(result.errors).toBe(10);
    expect(result.answers).toEqual({ 409: 40 });
  });

  it('stops sending when its seconds are up', async () => {
    const server = await counting(1);
    const result = await closedLoop({ baseUrl: server.url.href, path: '/', connections: 3, seconds: 0.2, body: () => '{}' });
    const answered = result.answers[202] ?? 0;
    expect(answered).toBeGreaterThan(0);
    expect(answered + result.errors).toBe(server.handled());
    expect(result.seconds).toBeGreaterThanOrEqual(0.2);
  });
});
