import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/** Major version of a `java` binary (`java -version` prints e.g. `openjdk version "25.0.3"` on stderr). */
function majorVersion(javaBin: string): number | undefined {
  const { stderr } = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)/.exec(stderr ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * A `java` binary of at least `minMajor`: JAVA_HOME, then PATH, then every JDK under /usr/lib/jvm.
 * Kafka 4 runs on 17; Apicurio Registry 3.3 needs 21 or newer.
 */
export function findJava(minMajor: number): string {
  const jvmDir = '/usr/lib/jvm';
  const candidates = [
    ...(process.env.JAVA_HOME ? [path.join(process.env.JAVA_HOME, 'bin', 'java')] : []),
    'java',
    ...(fs.existsSync(jvmDir) ? fs.readdirSync(jvmDir).sort().reverse().map((d) => path.join(jvmDir, d, 'bin', 'java')) : []),
  ];
  for (const bin of candidates) {
    const major = majorVersion(bin);
    if (major !== undefined && major >= minMajor) return bin;
  }
  throw new Error(`needs Java ${minMajor} or newer; none found in JAVA_HOME, PATH or ${jvmDir} (install a JDK ${minMajor}+)`);
}
