/**
 * Whether a listen address is reachable from this machine only. The gateway trusts the body's
 * userId only there (or when told to): on any other address anybody could ask in anybody's name.
 */
import net from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  // ::1, or an IPv4 loopback address mapped into IPv6 (::ffff:127.x.y.z).
  if (net.isIPv6(h)) return h === '::1' || /^(::|(0{1,4}:){5})ffff:127\./.test(h);
  return false;
}
