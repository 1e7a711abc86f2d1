// Second step of `npm run build` (after tsc): copies the files the compiled modules read next to
// themselves at run time (Lua scripts, SQL, Avro schemas, migrations) into dist/, at the same
// relative paths, so `new URL('./lua/x.lua', import.meta.url)` resolves in dist/ as in the source.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The folders tsc compiled: each top-level folder of dist/.
const SOURCES = fs.readdirSync(path.join(ROOT, 'dist'));
const ASSET = /\.(lua|sql|avsc)$/;

let copied = 0;
for (const source of SOURCES) {
  for (const file of fs.readdirSync(path.join(ROOT, source), { recursive: true, encoding: 'utf8' })) {
    if (!ASSET.test(file)) continue;
    const to = path.join(ROOT, 'dist', source, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(ROOT, source, file), to);
    copied += 1;
  }
}
process.stdout.write(`[build] ${copied} runtime assets copied to dist/\n`);
