/** Whether an address accepts TCP connections: the health check of plain servers. */
import net from 'node:net';

/** Resolves once host:port accepts a TCP connection; rejects on refusal or after timeoutMs. */
export function checkTcp(address: string, timeoutMs = 2000): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${address}: no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (err) => reject(new Error(`${address}: ${err.message}`)));
  });
}

