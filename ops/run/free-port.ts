/**
 * Ports for the services a bench, a test or the chaos run starts. Not the kernel's choice for
 * listen(0): that comes from Linux's ephemeral range (32768-60999), where an outgoing connection
 * (the Kafka clients open dozens) may take the port between the check and the service's own
 * listen — a bench's processor once failed to start so (EADDRINUSE on its metrics port). A random
 * port of PORT_RANGE instead, free when asked, and never the same one twice in a process.
 */
import { randomInt } from 'node:crypto';
import net from 'node:net';

/** Above the stack's and the tests' fixed ports (15432-20431), below the 3-broker cluster's (29092-29097). */
export const PORT_RANGE = { from: 21_000, to: 28_999 } as const;

const handedOut = new Set<number>();

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = randomInt(PORT_RANGE.from, PORT_RANGE.to + 1);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in ${PORT_RANGE.from}-${PORT_RANGE.to}`);
}
