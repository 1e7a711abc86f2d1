/**
 * `node dist/ops/run/http-check.js <url>`: exits 0 when the URL answers 2xx within 3 s, else 1 —
 * the containers' health check (the runtime image has node, but no curl or wget).
 */
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: http-check <url>\n');
  process.exit(2);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
