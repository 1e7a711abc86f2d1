import { describe, expect, it } from 'vitest';
import { listeningInodes, portOfUrl, portsOfHostList, socketInode } from './listeners.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:3C90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12132539 1 00000000316bbc62 100 0 0 10 0
   1: 0100007F:3C90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 12132600 1 00000000c8931a66 20 4 30 10 -1
   2: 0100007F:4000 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 00000000c8931a66 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 0000000000000000FFFF00000100007F:4A94 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12105113 1 000000004dd18872 100 0 0 10 0
`;

describe('listeningInodes', () => {
  it('finds the listening sockets of the wanted ports only (not connections on the same port)', () => {
    expect(listeningInodes(TCP, new Set([15504]))).toEqual(new Map([[12132539, 15504]]));
    expect(listeningInodes(TCP, new Set([15504, 16384]))).toEqual(new Map([[12132539, 15504], [777, 16384]]));
  });
  it('reads IPv6 (and IPv4-mapped) addresses', () => {
    expect(listeningInodes(TCP6, new Set([19092]))).toEqual(new Map([[12105113, 19092]]));
  });
  it('is empty for an empty file', () => {
    expect(listeningInodes('', new Set([1]))).toEqual(new Map());
  });
});

describe('socketInode', () => {
  it('reads the inode of a socket link and nothing else', () => {
    expect(socketInode('socket:[12132539]')).toBe(12132539);
    expect(socketInode('pipe:[5]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });
});

describe('ports', () => {
  it('of a bootstrap list and of URLs', () => {
    expect(portsOfHostList('127.0.0.1:29092, 127.0.0.1:29094,[::1]:29096')).toEqual([29092, 29094, 29096]);
    expect(portOfUrl('postgres://coupon:coupon@127.0.0.1:15432/coupon', 5432)).toBe(15432);
    expect(portOfUrl('redis://localhost', 6379)).toBe(6379);
  });
});
