import { describe, expect, it } from 'vitest';
import { bytesInline, bytesJson, hexDump, jsonSafe, printable } from './bytes.ts';

describe('printable', () => {
  it('is the text of printable UTF-8, null for binary', () => {
    expect(printable(Buffer.from('coupon 42 ✓\n'))).toBe('coupon 42 ✓\n');
    expect(printable(Buffer.from([0, 0, 0, 1]))).toBeNull();
    expect(printable(Buffer.from([0xff, 0xfe]))).toBeNull();
  });
});

describe('bytesJson and bytesInline', () => {
  it('carry hex always and text when there is text', () => {
    expect(bytesJson(Buffer.from('42'))).toEqual({ hex: '3432', text: '42' });
    expect(bytesJson(Buffer.from([0, 1]))).toEqual({ hex: '0001', text: null });
    expect(bytesJson(null)).toBeNull();
  });

  it('quote text, show binary as 0x hex, cut long values', () => {
    expect(bytesInline(Buffer.from('42'))).toBe('"42"');
    expect(bytesInline(Buffer.from([0, 0xab]))).toBe('0x00ab');
    expect(bytesInline(null)).toBe('(null)');
    expect(bytesInline(Buffer.alloc(100, 0x61), 10)).toBe('"aaaaaaaa…');
  });
});

describe('hexDump', () => {
  it('prints offset, hex and ASCII per 16 bytes', () => {
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 3]), Buffer.from('not avro at all!')]);
    expect(hexDump(bytes)).toBe(
      ['00000000  00 00 00 00 03 6e 6f 74 20 61 76 72 6f 20 61 74  .....not avro at', '00000010  20 61 6c 6c 21                                    all!'].join('\n'),
    );
  });

  it('stops at the limit and says how much is left', () => {
    expect(hexDump(Buffer.alloc(40), 16).split('\n')).toEqual(['00000000  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................', '… 24 more bytes (--json has them all)']);
    expect(hexDump(Buffer.alloc(0))).toBe('(0 bytes)');
  });
});

describe('jsonSafe', () => {
  it('turns nested bytes and bigints into JSON-friendly values', () => {
    expect(jsonSafe({ a: Buffer.from('x'), b: [1n, { c: null }], d: 'e' })).toEqual({ a: { hex: '78', text: 'x' }, b: ['1', { c: null }], d: 'e' });
  });
});
