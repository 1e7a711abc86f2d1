/**
 * The Dockerfile cannot be built here (no Docker daemon); this reads its instructions and checks
 * the structure production relies on: multi-stage, production dependencies only in the image,
 * librdkafka built as ops/bootstrap.sh builds it, the compiled code run by an unprivileged user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/paths.ts';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Instructions by stage: comments dropped, `\` continuations joined. */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      out.push({ base: m?.[1] ?? args, name: m?.[2] ?? String(out.length), instructions: [] });
    } else {
      out.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return out;
}

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const all = stages(read('Dockerfile'));
const final = all.at(-1)!;
const stage = (name: string): Stage => all.find((s) => s.name === name) ?? expect.fail(`no stage ${name}`);
const runs = (s: Stage): string[] => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
/** `COPY --from=<stage> <src> <dest>` of a stage: [stage, src]. */
const copiesFrom = (s: Stage): Array<[string, string]> =>
  s.instructions.filter((i) => i.op === 'COPY' && /--from=/.test(i.args)).map((i) => {
    const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--') || w.startsWith('--from='));
    return [words[0]!.slice('--from='.length), words[1]!];
  });
/** The Debian packages ops/bootstrap.sh installs for librdkafka's build. */
const librdkafkaBuildPackages = (): string[] => /for pkg in ([^;]+); do/.exec(read('ops/bootstrap.sh'))![1]!.trim().split(/\s+/);

describe('Dockerfile', () => {
  it('is multi-stage and runs as an unprivileged user in its last stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const user = final.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0', 'root:root']).not.toContain(user);
    // Nothing after USER runs as root again.
    const afterUser = final.instructions.slice(final.instructions.findIndex((i) => i.op === 'USER'));
    expect(afterUser.filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('puts production dependencies only into the image, with librdkafka built against Debian’s libraries', () => {
    const [depsStage, modules] = copiesFrom(final).find(([, src]) => src.endsWith('node_modules')) ?? expect.fail('the last stage copies no node_modules');
    expect(modules).toBe('/app/node_modules');
    const install = runs(stage(depsStage)).find((r) => /npm ci/.test(r)) ?? expect.fail(`stage ${depsStage} runs no npm ci`);
    expect(install).toMatch(/npm ci .*--omit=dev/);
    expect(install).toMatch(/CKJS_LINKING=dynamic/);
    const apt = runs(stage(depsStage)).join(' ');
    for (const pkg of librdkafkaBuildPackages()) expect(apt).toContain(pkg);
    // No stage of the image itself installs anything from npm.
    expect(runs(final).filter((r) => /npm (ci|install)/.test(r))).toEqual([]);
  });

  it('copies the compiled dist/ from a stage that runs the build, and runs it with node', () => {
    const [buildStage] = copiesFrom(final).find(([, src]) => src === '/app/dist') ?? expect.fail('the last stage copies no dist/');
    expect(runs(stage(buildStage))).toContain('npm run build');
    const cmd = JSON.parse(final.instructions.filter((i) => i.op === 'CMD').at(-1)!.args) as string[];
    expect(cmd[0]).toBe('node');
    expect(fs.existsSync(path.join(ROOT, cmd[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    expect(final.instructions.some((i) => i.op === 'HEALTHCHECK')).toBe(true);
  });

  it('compiles every source folder the build compiles', () => {
    const [buildStage] = copiesFrom(final).find(([, src]) => src === '/app/dist')!;
    const copied = stage(buildStage).instructions.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args)).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const { include } = JSON.parse(read('tsconfig.json')) as { include: string[] };
    const { exclude } = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { exclude: string[] };
    for (const folder of include.filter((f) => !exclude.includes(f))) expect(copied, folder).toContain(folder);
    expect(copied).toEqual(expect.arrayContaining(['tsconfig.json', 'tsconfig.build.json']));
  });

  it('copies from the build context only files that exist and .dockerignore lets through', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const s of all) {
      for (const copy of s.instructions.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
        const sources = copy.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
        for (const source of sources) {
          expect(fs.existsSync(path.join(ROOT, source)), source).toBe(true);
          expect(ignored, source).not.toContain(source.split('/')[0]);
        }
      }
    }
  });
});
