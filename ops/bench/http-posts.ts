/**
 * The open-loop load's HTTP client: POSTs of a small body over keep-alive HTTP/1.1 connections,
 * one request in flight on each, answers read by their Content-Length. Node's own client spent
 * about 300 µs of the load generator's CPU a request on the bench's box (its agent, streams and
 * event emitters for every request): at 1,000 requests a second, a sixth of a two-core machine
 * taken from the system being measured. This one writes the request's bytes and parses the status
 * line and two headers; it is not a general client (no chunked answers, no pipelining, no TLS).
 */
import net from 'node:net';

export interface PostAnswer {
  status: number;
  body: string;
}

/** The request got no HTTP answer: the connection failed or closed, the answer was not HTTP/1.1 with a length, or it timed out. */
export class HttpPostError extends Error {
  override name = 'HttpPostError';
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

interface InFlight {
  sentAt: number;
  resolve: (answer: PostAnswer) => void;
  reject: (err: Error) => void;
}

class Connection {
  private received: Buffer | undefined;
  inFlight: InFlight | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly answered: (connection: Connection, keepAlive: boolean) => void,
    private readonly closed: (connection: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => this.fail(new HttpPostError(`connection failed: ${err.message}`, { cause: err })));
    socket.on('close', () => {
      this.fail(new HttpPostError('the server closed the connection before answering'));
      this.closed(this);
    });
  }

  send(request: string, inFlight: InFlight): void {
    this.inFlight = inFlight;
    this.socket.write(request, 'latin1');
  }

  fail(err: Error): void {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    this.received = undefined;
    inFlight?.reject(err);
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    const received = this.received === undefined ? chunk : Buffer.concat([this.received, chunk]);
    const headerEnd = received.indexOf(HEADER_END);
    if (headerEnd < 0) {
      this.received = received;
      return;
    }
    const head = received.toString('latin1', 0, headerEnd);
    const status = STATUS_LINE.exec(head)?.[1];
    const length = CONTENT_LENGTH.exec(head)?.[1];
    if (status === undefined || length === undefined || this.inFlight === undefined) {
      this.fail(new HttpPostError(`not an answer this client reads: ${JSON.stringify(head.slice(0, 80))}`));
      return;
    }
    const bodyStart = headerEnd + HEADER_END.length;
    const end = bodyStart + Number(length);
    if (received.length < end) {
      this.received = received;
      return;
    }
    this.received = undefined;
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    inFlight.resolve({ status: Number(status), body: received.toString('utf8', bodyStart, end) });
    this.answered(this, received.length === end && !CONNECTION_CLOSE.test(head));
  }
}

export class HttpPosts {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  /** Requests waiting for a connection while maxConnections are busy. */
  private readonly queued: Array<{ path: string; body: string; inFlight: InFlight }> = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly baseUrl: URL,
    private readonly maxConnections: number,
    private readonly timeoutMs: number,
  ) {
    // One timer for every request's deadline instead of one a request.
    this.sweeper = setInterval(() => this.expire(Date.now()), Math.min(1000, timeoutMs / 2));
  }

  post(path: string, body: string): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      const inFlight: InFlight = { sentAt: Date.now(), resolve, reject };
      const connection = this.idle.pop() ?? (this.all.size < this.maxConnections ? this.connect() : undefined);
      if (connection) connection.send(this.request(path, body), inFlight);
      else this.queued.push({ path, body, inFlight });
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const q of this.queued.splice(0)) q.inFlight.reject(new HttpPostError('the client was closed'));
    for (const c of this.all) c.fail(new HttpPostError('the client was closed'));
  }

  private request(path: string, body: string): string {
    return `POST ${path} HTTP/1.1\r\nHost: ${this.baseUrl.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }

  private connect(): Connection {
    const socket = net.connect({ host: this.baseUrl.hostname, port: Number(this.baseUrl.port || 80) });
    const connection = new Connection(socket, (c, keepAlive) => this.answered(c, keepAlive), (c) => this.closed(c));
    this.all.add(connection);
    return connection;
  }

  private answered(connection: Connection, keepAlive: boolean): void {
    if (!keepAlive) {
      connection.socket.destroy();
      return;
    }
    const next = this.queued.shift();
    if (next) connection.send(this.request(next.path, next.body), next.inFlight);
    else this.idle.push(connection);
  }

  private closed(connection: Connection): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.queued.shift();
    if (next) this.connect().send(this.request(next.path, next.body), next.inFlight);
  }

  private expire(now: number): void {
    for (const c of this.all) {
      if (c.inFlight && now - c.inFlight.sentAt > this.timeoutMs) c.fail(new HttpPostError(`no answer in ${this.timeoutMs} ms`));
    }
    while (this.queued.length > 0 && now - this.queued[0]!.inFlight.sentAt > this.timeoutMs) this.queued.shift()!.inFlight.reject(new HttpPostError(`no connection free in ${this.timeoutMs} ms`));
  }
}
