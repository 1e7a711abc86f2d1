/** Fetches the stack's Java artifacts (Kafka, Apicurio) from Maven Central into the cache. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { cachePath, ROOT } from './paths.ts';

const run = promisify(execFile);

/** Copies an artifact's runtime class path from Maven Central into `dest` (once; atomic rename). */
export async function fetchClasspath(pom: string, dest: string, marker: string): Promise<void> {
  if (fs.existsSync(path.join(dest, marker))) return;
  const tmp = `${dest}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(tmp, dest);
}

/** Downloads one artifact (G:A:V[:type[:classifier]]) from Maven Central into the cache. */
export async function fetchArtifact(coordinates: string, fileName: string): Promise<string> {
  const dir = cachePath('downloads');
  const file = path.join(dir, fileName);
  if (fs.existsSync(file)) return file;
  await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${coordinates}`, `-DoutputDirectory=${dir}`], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!fs.existsSync(file)) throw new Error(`maven fetched ${coordinates} but ${fileName} is not in ${dir}`);
  return file;
}
