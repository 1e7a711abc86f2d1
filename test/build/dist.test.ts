/**
 * The production path: `npm run build` compiles the services and the operator CLI to dist/, and the
 * compiled gateway and processor, run by plain `node` (no tsx), take a request to ISSUED against
 * the stack and stop cleanly; the compiled CLI answers too.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type ServiceProcess } from '../../ops/run/service-process.ts';
import { ROOT } from '../../ops/stack/paths.ts';
import { eventually } from '../support/eventually.ts';
import { ADMIN_AUTH, gatewayTestEnv, JSON_HEADERS } from '../support/gateway-harness.ts';
import { ProcessorProcess } from '../support/processor-process.ts';

const run = promisify(execFile);
const DIST = path.join(ROOT, 'dist');

/** Every file under dist/ (recursively), relative to it. */
const distFiles = (): string[] => fs.readdirSync(DIST, { recursive: true, encoding: 'utf8' });

let gateway: ServiceProcess | undefined;
let processor: ServiceProcess | undefined;

beforeAll(async () => {
  await run('npm', ['run', '-s', 'build'], { cwd: ROOT, timeout: 300_000 });
}, 300_000);

afterAll(async () => {
  await Promise.all([gateway?.stop('SIGKILL'), processor?.stop('SIGKILL')]);
});

describe('npm run build', () => {
  it('emits JavaScript entry points and the files they read, and nothing that loads tsx', () => {
    const files = distFiles();
    for (const entry of ['gateway/main.js', 'processor/main.js', 'ops/cli/main.js', 'ops/provision/main.js', 'ops/run/http-check.js']) expect(files).toContain(entry);
    for (const asset of ['gateway/lua/reserve-many.lua', 'processor/sql/merge.sql', 'schemas/avro/CouponIssued.avsc', 'ops/db/migrations/001_coupons.sql']) expect(files).toContain(asset);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const loadsTsx = files.filter((f) => f.endsWith('.js') && /from ['"]tsx|import\(['"]tsx/.test(fs.readFileSync(path.join(DIST, f), 'utf8')));
    expect(loadsTsx).toEqual([]);
  });

  it('runs the compiled gateway and processor with node: a request reaches ISSUED, and both stop with 0', async () => {
    const gw = (gateway = await (await startGateway('dist', gatewayTestEnv(), undefined, 'dist')).ready());
    // The compiled entry, with no tsx: only the harness's plain-JavaScript preload (exit-with-parent.mjs) before it.
    expect(gw.child.spawnargs.slice(1)).toEqual(['--import', expect.stringMatching(/\/ops\/run\/exit-with-parent\.mjs$/), path.join('dist', 'gateway', 'main.js')]);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    // The containers' health check, compiled: 0 for a ready service, 1 for one that does not answer.
    const check = (url: string) => run(process.execPath, [path.join(DIST, 'ops/run/http-check.js'), url]).then(() => 0, (err: { code: number }) => err.code);
    expect(await check(`${gw.url}/readyz`)).toBe(0);
    expect(await check('http://127.0.0.1:1/readyz')).toBe(1);
    const proc = (processor = await (await ProcessorProcess.startAlone({ instanceId: 'dist-smoke', code: 'dist' })).ready());

    const created = await fetch(`${gw.adminUrl}/api/admin/coupons`, { method: 'POST', headers: { ...ADMIN_AUTH, ...JSON_HEADERS }, body: JSON.stringify({ name: 'dist smoke', totalQuantity: 1 }) });
    expect(created.status).toBe(201);
    const couponId = ((await created.json()) as { id: number }).id;
    const issued = await fetch(`${gw.url}/api/coupons/${couponId}/issue`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ userId: 7 }) });
    expect(issued.status).toBe(202);
    await eventually(async () => ((await (await fetch(`${gw.url}/api/coupons/${couponId}/issue/7`)).json()) as { status: string }).status === 'ISSUED', 60_000, 200);

    expect(await proc.stop()).toBe(0);
    expect(await gw.stop()).toBe(0);
  });

  it('runs the compiled operator CLI with node', async () => {
    const { stdout } = await run(process.execPath, [path.join(DIST, 'ops/cli/main.js'), '--help'], { cwd: ROOT });
    expect(stdout).toContain('coupons');
  });
});
