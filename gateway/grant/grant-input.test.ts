import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fileDigest, fileLines, InputTooLargeError, limitBytes, MAX_LINE_CHARS, OVERLONG_LINE, plainBytes, splitLines, spool } from './grant-input.ts';

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const chunks = (...parts: Array<string | Buffer>): AsyncIterable<Buffer> => Readable.from(parts.map((p) => Buffer.from(p)));

describe('splitLines', () => {
  it('splits across chunk boundaries, keeps a last line without a break, and decodes UTF-8 split inside a character', async () => {
    const euro = Buffer.from('€');
    expect(await collect(splitLines(chunks('1\n2', '2\r\n', euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\n\n33')]))))).toEqual(['1', '22\r', '€', '', '33']);
  });

  it('reports an over-long line once, without buffering it, and goes on with the next', async () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    expect(await collect(splitLines(chunks('1\n', long.slice(0, 3000), long.slice(3000), '\n2\n', long)))).toEqual(['1', OVERLONG_LINE, '2', OVERLONG_LINE]);
  });
});

describe('plainBytes', () => {
  it('inflates gzip and passes anything else through, whatever the chunking', async () => {
    const text = '1\n2\n3\n';
    const gz = zlib.gzipSync(text);
    expect(Buffer.concat(await collect(plainBytes(chunks(gz.subarray(0, 1), gz.subarray(1))))).toString()).toBe(text);
    expect(Buffer.concat(await collect(plainBytes(chunks('1', '\n2\n3\n')))).toString()).toBe(text);
    expect(await collect(plainBytes(chunks()))).toEqual([]);
  });

  it('fails on a truncated gzip stream', async () => {
    const gz = zlib.gzipSync('1\n2\n'.repeat(1000));
    await expect(collect(plainBytes(chunks(gz.subarray(0, gz.length - 20))))).rejects.toThrow();
  });
});

describe('limitBytes', () => {
  it('passes up to the maximum and fails once more went through', async () => {
    expect(Buffer.concat(await collect(limitBytes(chunks('12345', '67890'), 10))).toString()).toBe('1234567890');
    await expect(collect(limitBytes(chunks('123456', '789012'), 10))).rejects.toThrow(InputTooLargeError);
  });

  it('bounds what spool writes after inflation (a small gzip of a large file)', async () => {
    await expect(spool(chunks(zlib.gzipSync('1\n'.repeat(10_000))), 1000)).rejects.toThrow(/inflated upload is larger than the maximum of 1000 bytes/);
  });
});

describe('spool and fileDigest', () => {
  it('spools the inflated input and hashes the same content alike, gzipped or not', async () => {
    const text = 'userId\n1\n2\n';
    const plain = await spool(chunks(text));
    const gz = await spool(chunks(zlib.gzipSync(text)));
    try {
      const expected = crypto.createHash('sha256').update(text).digest('hex');
      expect([plain.sha256, gz.sha256, (await fileDigest(gz.file)).sha256]).toEqual([expected, expected, expected]);
      expect([plain.lines, gz.lines]).toEqual([3, 3]);
      expect(await collect(fileLines(gz.file))).toEqual(['userId', '1', '2']);
    } finally {
      await plain.remove();
      await gz.remove();
    }
    expect(fs.existsSync(plain.file)).toBe(false);
  });
});

describe('fileDigest', () => {
  it('counts a last line without a line break', async () => {
    const spooled = await spool(chunks('1\n2\n3'));
    try {
      expect((await fileDigest(spooled.file)).lines).toBe(3);
    } finally {
      await spooled.remove();
    }
  });
});
