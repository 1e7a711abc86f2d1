/**
 * A local HTTP server for the specs of the bench's HTTP client and loads: every request's body
 * read, then handed to the spec's handler; the connections it accepted are listed.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from '../run/free-port.ts';

export type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

export interface TestServer {
  url: URL;
  /** Connections the server accepted. */
  connections: Socket[];
  close: () => Promise<void>;
}

export async function serve(handler: Handler): Promise<TestServer> {
  const connections: Socket[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', (s: Socket) => connections.push(s));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
