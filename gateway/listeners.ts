/**
 * The gateway's two listeners: the public API (issue and status, plus the probes) and the admin
 * listener (the admin API, /metrics, the probes), by default on loopback only. One Fastify app
 * serves both — the admin server hands its requests to the same router — and each route scope
 * answers only on its own listener (`servedOnlyOn`), so a route the admin scope registers is never
 * reachable from the public address. Requests injected in-process (tests) come through neither
 * listener and reach every route.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiError, sendError } from './errors.ts';

export type ListenerName = 'public' | 'admin';

export interface ListenAddresses {
  api: AddressInfo;
  admin: AddressInfo;
}

export class Listeners {
  private readonly adminServer: http.Server;
  private readonly sockets = new WeakMap<Socket, ListenerName>();
  private adminClosed: Promise<void> | undefined;

  constructor(private readonly app: FastifyInstance) {
    this.adminServer = http.createServer((request, response) => app.routing(request, response));
    // As Fastify sets up its own server.
    this.adminServer.keepAliveTimeout = app.initialConfig.keepAliveTimeout ?? 72_000;
    app.server.on('connection', (socket: Socket) => this.sockets.set(socket, 'public'));
    this.adminServer.on('connection', (socket: Socket) => this.sockets.set(socket, 'admin'));
  }

  /** Which listener a request came through; undefined for injected requests. */
  of(socket: Socket): ListenerName | undefined {
    return this.sockets.get(socket);
  }

  /** Makes every route of `scope` answer 404 (as if it did not exist) on the other listener. */
  servedOnlyOn(scope: FastifyInstance, listener: ListenerName): void {
    const elsewhere = new ApiError(404, 'NOT_FOUND', `no such route on this listener`);
    scope.addHook('onRequest', (request, reply, done) => {
      const on = this.sockets.get(request.raw.socket);
      if (on !== undefined && on !== listener) sendError(request, reply, elsewhere);
      else done();
    });
  }

  /** Opens both listeners; resolves with their addresses. */
  async listen(api: { host: string; port: number }, admin: { host: string; port: number }): Promise<ListenAddresses> {
    await this.app.listen(api);
    await new Promise<void>((resolve, reject) => {
      this.adminServer.once('error', reject);
      this.adminServer.listen(admin.port, admin.host, () => {
        this.adminServer.off('error', reject);
        resolve();
      });
    });
    return { api: this.app.server.address() as AddressInfo, admin: this.adminServer.address() as AddressInfo };
  }

  /**
   * Stops the admin listener: no new connections; idle ones closed now, busy ones once answered
   * (the app's closing flag makes every answer close its connection). Idempotent.
   */
  closeAdmin(): Promise<void> {
    this.adminClosed ??= new Promise<void>((resolve) => {
      // Not listening (tests that never listen) is fine too.
      this.adminServer.close(() => resolve());
      this.adminServer.closeIdleConnections();
    });
    return this.adminClosed;
  }
}
