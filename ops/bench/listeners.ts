/**
 * Which process serves an endpoint: the pid that holds the listening socket of a TCP port (Linux
 * /proc: the socket's inode from /proc/net/tcp{,6}, then the process whose fd links to it). On a
 * shared machine the command line cannot tell this run's broker from another stack's; the port can.
 */
import fs from 'node:fs';

const LISTEN = '0A';

/** Socket inode → local port of every listening socket on `ports` in a /proc/net/tcp or tcp6 text. */
export function listeningInodes(procNetTcp: string, ports: ReadonlySet<number>): Map<number, number> {
  const inodes = new Map<number, number>();
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== LISTEN) continue;
    const port = parseInt(fields[1]!.slice(fields[1]!.lastIndexOf(':') + 1), 16);
    const inode = Number(fields[9]);
    if (ports.has(port) && inode > 0) inodes.set(inode, port);
  }
  return inodes;
}

/** The inode of an fd link target like "socket:[12345]"; undefined for anything else. */
export function socketInode(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : undefined;
}

/** The port of each "host:port" in a comma-separated list (a Kafka bootstrap list). */
export function portsOfHostList(list: string): number[] {
  return list
    .split(',')
    .map((hostPort) => Number(hostPort.trim().slice(hostPort.trim().lastIndexOf(':') + 1)))
    .filter((p) => Number.isInteger(p) && p > 0);
}

/** The port of a URL, with the scheme's default when it names none. */
export function portOfUrl(url: string, defaultPort: number): number {
  const port = new URL(url).port;
  return port ? Number(port) : defaultPort;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return ''; // no IPv6, or the process exited meanwhile
  }
}

/** port → pid of the process listening on it, for the ports found (Linux /proc; empty elsewhere). */
export function pidsListeningOn(ports: readonly number[]): Map<number, number> {
  const wanted = new Set(ports);
  const inodes = new Map([...listeningInodes(readOrEmpty('/proc/net/tcp'), wanted), ...listeningInodes(readOrEmpty('/proc/net/tcp6'), wanted)]);
  const found = new Map<number, number>();
  if (inodes.size === 0) return found;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // exited, or not ours to look into
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const port = inodes.get(socketInode(link) ?? -1);
      if (port !== undefined && !found.has(port)) found.set(port, Number(entry));
    }
    if (found.size === new Set(inodes.values()).size) break;
  }
  return found;
}
