/** The repository root and the folders under it: the stack's state and logs (.stack/), the download cache (.cache/). */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The nearest folder above `from` holding a package.json: the repository root, whether this module
 * runs from its source (ops/stack) or compiled (dist/ops/stack).
 */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Repository root, the git-ignored download cache and the embedded stack's runtime folder. */
export const ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const CACHE_DIR = path.join(ROOT, '.cache');
export const STACK_DIR = path.join(ROOT, '.stack');

export const stackPath = (...parts: string[]): string => path.join(STACK_DIR, ...parts);
export const cachePath = (...parts: string[]): string => path.join(CACHE_DIR, ...parts);
