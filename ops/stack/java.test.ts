import { describe, expect, it } from 'vitest';
import { javaCandidates, parseJavaMajor, pickJava } from './java.ts';

describe('parseJavaMajor', () => {
  it('reads the major version of every vendor and scheme', () => {
    expect(parseJavaMajor('openjdk version "21.0.8" 2025-07-15 LTS\nOpenJDK Runtime Environment Temurin-21.0.8+9')).toBe(21);
    expect(parseJavaMajor('openjdk version "17.0.16" 2025-07-15\nOpenJDK Runtime Environment (build 17.0.16+8-Debian-1deb12u1)')).toBe(17);
    expect(parseJavaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseJavaMajor('openjdk version "26-ea" 2026-03-17')).toBe(26);
    expect(parseJavaMajor('java version "1.8.0_292"\nJava(TM) SE Runtime Environment')).toBe(8);
  });

  it('says nothing for what is not a Java version line', () => {
    expect(parseJavaMajor('')).toBeUndefined();
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
  });
});

describe('javaCandidates', () => {
  it('looks in JAVA_HOME, then PATH, then the JVM folder newest name first, then the fetched runtime', () => {
    expect(javaCandidates('/opt/jdk', ['java-17-openjdk-amd64', 'temurin-25-jdk-amd64', 'java-21-openjdk-amd64'], '/jvm', '/cache/java')).toEqual([
      '/opt/jdk/bin/java',
      'java',
      '/jvm/temurin-25-jdk-amd64/bin/java',
      '/jvm/java-21-openjdk-amd64/bin/java',
      '/jvm/java-17-openjdk-amd64/bin/java',
      '/cache/java',
    ]);
  });

  it('skips an unset or empty JAVA_HOME', () => {
    expect(javaCandidates('', [], '/jvm', '/cache/java')).toEqual(['java', '/cache/java']);
    expect(javaCandidates(undefined, [], '/jvm', '/cache/java')).toEqual(['java', '/cache/java']);
  });
});

describe('pickJava', () => {
  const plainDebian12 = [
    { bin: 'java', major: 17 },
    { bin: '/jvm/java-17-openjdk-amd64/bin/java', major: 17 },
    { bin: '/cache/java', major: undefined },
  ];

  it('takes the first candidate new enough', () => {
    expect(pickJava(plainDebian12, 17)).toBe('java');
    expect(pickJava([{ bin: 'java', major: 17 }, { bin: '/jvm/temurin-25/bin/java', major: 25 }], 21)).toBe('/jvm/temurin-25/bin/java');
  });

  it('finds none on a plain Debian 12 for the registry (21+) until the runtime is fetched', () => {
    expect(pickJava(plainDebian12, 21)).toBeUndefined();
    expect(pickJava([...plainDebian12.slice(0, 2), { bin: '/cache/java', major: 21 }], 21)).toBe('/cache/java');
  });

  it('skips candidates that are missing or do not say their version', () => {
    expect(pickJava([{ bin: '/opt/jdk/bin/java', major: undefined }, { bin: 'java', major: 21 }], 21)).toBe('java');
  });
});
