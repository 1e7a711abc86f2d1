/** Raw bytes for people (hex dumps, text when it is text) and for JSON. */

/** Text when the bytes are printable UTF-8 (tabs and newlines allowed), otherwise null. */
export function printable(bytes: Buffer): string | null {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return null;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
}

/** Bytes in JSON: always the hex, and the text too when they are printable. */
export interface BytesJson {
  hex: string;
  text: string | null;
}

export const bytesJson = (bytes: Buffer | null): BytesJson | null => (bytes === null ? null : { hex: bytes.toString('hex'), text: printable(bytes) });

/** A short form for one line: the text quoted, or `0x…` hex, cut at `max` characters. */
export function bytesInline(bytes: Buffer | null, max = 60): string {
  if (bytes === null) return '(null)';
  const text = printable(bytes);
  const full = text === null ? `0x${bytes.toString('hex')}` : JSON.stringify(text);
  return full.length > max ? `${full.slice(0, max - 1)}…` : full;
}

/** `xxd`-style lines: offset, 16 bytes in hex, the printable ASCII; at most `maxBytes` shown. */
export function hexDump(bytes: Buffer, maxBytes = 256): string {
  const lines: string[] = [];
  const shown = bytes.subarray(0, maxBytes);
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > shown.length) lines.push(`… ${bytes.length - shown.length} more bytes (--json has them all)`);
  if (bytes.length === 0) lines.push('(0 bytes)');
  return lines.join('\n');
}

/** A decoded Avro value made JSON-safe: bytes as BytesJson, bigints as strings. */
export function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return bytesJson(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}
