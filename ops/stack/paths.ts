import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, the git-ignored download cache and the embedded stack's runtime folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE_DIR = path.join(ROOT, '.cache');
export const STACK_DIR = path.join(ROOT, '.stack');

export const stackPath = (...parts: string[]): string => path.join(STACK_DIR, ...parts);
export const cachePath = (...parts: string[]): string => path.join(CACHE_DIR, ...parts);
