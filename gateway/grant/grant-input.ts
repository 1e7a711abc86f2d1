/**
 * The bytes of a grant's user list, streamed with bounded memory: gzip recognised by its magic
 * bytes and inflated on the fly, an upload cut at a maximum size, lines split without ever
 * holding more than one line (an over-long line is cut and reported, not buffered), the content
 * hashed (SHA-256 of the inflated bytes: a gzipped and a plain copy of a file are one grant), and
 * an input that can only be read once (stdin, an HTTP body) spooled to a temporary file so it can
 * be hashed first and read second.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';

/** Lines longer than this are not user ids; they are reported as invalid instead of being buffered. */
export const MAX_LINE_CHARS = 4096;
/** What splitLines yields for a line over MAX_LINE_CHARS (never a valid id, so the parser reports it). */
export const OVERLONG_LINE = `<line longer than ${MAX_LINE_CHARS} characters>`;

/** The input is larger than the documented maximum. */
export class InputTooLargeError extends Error {
  override name = 'InputTooLargeError';
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The input's bytes, inflated if they start with the gzip magic bytes. */
export async function* plainBytes(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < GZIP_MAGIC.length && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  const all = async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = done ? undefined : await it.next(); next && !next.done; next = await it.next()) yield Buffer.from(next.value);
  };
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) return yield* all();
  const gunzip = zlib.createGunzip();
  const piping = pipeline(Readable.from(all()), gunzip).catch(() => undefined);
  yield* gunzip as AsyncIterable<Buffer>;
  await piping;
}

/** Passes the bytes through until more than `maxBytes` went by, then fails with InputTooLargeError. */
export async function* limitBytes(input: AsyncIterable<Buffer | string>, maxBytes: number, what = 'the upload'): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of input) {
    const bytes = Buffer.from(chunk);
    seen += bytes.length;
    if (seen > maxBytes) throw new InputTooLargeError(`${what} is larger than the maximum of ${maxBytes} bytes`);
    yield bytes;
  }
}

/** The lines of UTF-8 text (without their line breaks; a final line without a break included). */
export async function* splitLines(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let overlong = false;
  const take = function* (text: string): Generator<string> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = partial + text.slice(start, nl);
      yield overlong || line.length > MAX_LINE_CHARS ? OVERLONG_LINE : line;
      partial = '';
      overlong = false;
      start = nl + 1;
    }
    partial += text.slice(start);
    if (partial.length > MAX_LINE_CHARS) {
      overlong = true;
      partial = '';
    }
  };
  for await (const chunk of bytes) yield* take(decoder.write(chunk));
  yield* take(decoder.end());
  if (overlong) yield OVERLONG_LINE;
  else if (partial !== '') yield partial;
}

/** What a first pass over the content learns: its hash (the grant id of an upload without one) and its line count (for the ETA). */
export interface Digest {
  sha256: string;
  lines: number;
}

const NEWLINE = 0x0a;

/** Hashes and counts lines of the chunks passing through. */
class Digester {
  private readonly hash = crypto.createHash('sha256');
  private lines = 0;
  private last = NEWLINE;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) this.lines++;
    if (chunk.length > 0) this.last = chunk[chunk.length - 1]!;
  }

  digest(): Digest {
    return { sha256: this.hash.digest('hex'), lines: this.lines + (this.last === NEWLINE ? 0 : 1) };
  }
}

/** The digest of the inflated bytes of a file. */
export async function fileDigest(file: string): Promise<Digest> {
  const digester = new Digester();
  for await (const chunk of plainBytes(fs.createReadStream(file))) digester.update(chunk);
  return digester.digest();
}

export interface Spooled extends Digest {
  file: string;
  /** Removes the file (and its directory). */
  remove(): Promise<void>;
}

/** Writes the inflated input (at most `maxBytes` of it, if given) to a private temporary file, digesting it on the way. */
export async function spool(input: AsyncIterable<Buffer | string>, maxBytes = Infinity): Promise<Spooled> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'coupon-grant-'));
  const file = path.join(dir, 'users');
  const remove = (): Promise<void> => fs.promises.rm(dir, { recursive: true, force: true });
  const digester = new Digester();
  try {
    await pipeline(
      limitBytes(plainBytes(input), maxBytes, 'the inflated upload'),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          digester.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(file, { mode: 0o600 }),
    );
  } catch (err) {
    await remove();
    throw err;
  }
  return { file, ...digester.digest(), remove };
}

/** The lines of a (possibly gzipped) file. */
export const fileLines = (file: string): AsyncGenerator<string> => splitLines(plainBytes(fs.createReadStream(file)));
