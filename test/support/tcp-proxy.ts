/** A loopback TCP proxy whose connections an outage test can cut and restore. */
import net from 'node:net';

/**
 * A loopback TCP proxy to a real server, for outage tests: `cut()` drops every open connection
 * and refuses new ones (the server looks down to clients behind the proxy, nobody else is
 * affected); `restore()` lets connections through again. Works for Postgres and Redis, whose
 * clients connect to the address they are given (not for Kafka, whose clients follow the
 * brokers' advertised listeners).
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  private holdRule?: { match: (chunk: Buffer) => boolean; held: Array<() => void>; seen: () => void };
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => this.forward(chunk, client, upstream));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this;
  }

  /** Rewrites a connection URL's host:port to point at this proxy. */
  url(original: string): string {
    const u = new URL(original);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /**
   * From now on, client-to-server data that `match`es is held back (its connection paused) until
   * release(); resolves when the first such chunk is held. For Postgres, matching the text
   * `COMMIT` holds a transaction at its commit.
   */
  holdWhen(match: (chunk: Buffer) => boolean): Promise<void> {
    return new Promise((seen) => {
      this.holdRule = { match, held: [], seen };
    });
  }

  /** Forwards what holdWhen() held back and stops holding. */
  release(): void {
    const rule = this.holdRule;
    this.holdRule = undefined;
    for (const resume of rule?.held ?? []) resume();
  }

  private forward(chunk: Buffer, client: net.Socket, upstream: net.Socket): void {
    const rule = this.holdRule;
    if (!rule?.match(chunk)) {
      upstream.write(chunk);
      return;
    }
    client.pause();
    rule.held.push(() => {
      upstream.write(chunk);
      client.resume();
    });
    rule.seen();
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
