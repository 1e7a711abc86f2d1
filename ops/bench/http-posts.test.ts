import { afterEach, describe, expect, it } from 'vitest';
import { HttpPostError, HttpPosts } from './http-posts.ts';
import { json, serve, type Handler, type TestServer } from './http-test-server.ts';

const servers: TestServer[] = [];
const clients: HttpPosts[] = [];

async function started(handler: Handler): Promise<TestServer> {
  const s = await serve(handler);
  servers.push(s);
  return s;
}

function client(server: TestServer, maxConnections = 8, timeoutMs = 5000): HttpPosts {
  const c = new HttpPosts(server.url, maxConnections, timeoutMs);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

describe('HttpPosts', () => {
  it('posts the body and returns the status and body, one keep-alive connection for requests one after another', async () => {
    const server = await started((req, body, res) => json(res, 202, JSON.stringify({ path: req.url, got: JSON.parse(body) as unknown, type: req.headers['content-type'] })));
    const posts = client(server);
    for (const n of [1, 2, 3]) {
      const answer = await posts.post('/api/coupons/7/issue', `{"userId":${n}}`);
      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.body)).toEqual({ path: '/api/coupons/7/issue', got: { userId: n }, type: 'application/json' });
    }
    expect(server.connections).toHaveLength(1);
  });

  it('reads an answer that arrives in pieces, and a UTF-8 body by its length in bytes', async () => {
    const body = '{"reason":"épuisé"}';
    const server = await started((_req, _body, res) => {
      res.writeHead(409, { 'content-length': Buffer.byteLength(body) });
      res.flushHeaders();
      const bytes = Buffer.from(body);
      res.write(bytes.subarray(0, 13));
      setImmediate(() => res.end(bytes.subarray(13)));
    });
    expect(await client(server).post('/x', '{}')).toEqual({ status: 409, body });
  });

  it('queues requests beyond its connections and answers them all', async () => {
    const server = await started((_req, body, res) => json(res, 200, body));
    const posts = client(server, 2);
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => posts.post('/', `{"n":${i}}`)));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 9 }, (_, i) => `{"n":${i}}`));
    expect(server.connections).toHaveLength(2);
  });

  it('opens a new connection after an answer that closes its own', async () => {
    const server = await started((_req, _body, res) => {
      res.setHeader('connection', 'close');
      json(res, 503, '{}');
    });
    const posts = client(server);
    expect((await posts.post('/', '{}')).status).toBe(503);
    expect((await posts.post('/', '{}')).status).toBe(503);
    expect(server.connections).toHaveLength(2);
  });

  it('fails a request whose connection the server closes, and goes on with the next', async () => {
    let first = true;
    const server = await started((req, _body, res) => {
      if (first) {
        first = false;
        req.socket.destroy();
      } else json(res, 202, '{"ok":true}');
    });
    const posts = client(server);
    await expect(posts.post('/', '{}')).rejects.toBeInstanceOf(HttpPostError);
    expect(await posts.post('/', '{}')).toEqual({ status: 202, body: '{"ok":true}' });
  });

  it('fails a request that gets no answer within its timeout', async () => {
    const server = await started(() => undefined);
    await expect(client(server, 1, 200).post('/', '{}')).rejects.toThrow(/no answer in 200 ms/);
  });

  it('fails what is in flight and queued when closed', async () => {
    const server = await started(() => undefined);
    const posts = client(server, 1);
    const inFlight = posts.post('/', '{}');
    const queued = posts.post('/', '{}');
    posts.close();
    await expect(inFlight).rejects.toThrow(/closed/);
    await expect(queued).rejects.toThrow(/closed/);
  });
});
