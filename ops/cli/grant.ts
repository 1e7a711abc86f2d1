/**
 * `grant [run] --coupon <id> --users <file|->`, `grant list` and `grant show <id>`: bulk grants from the operator
 * CLI (README, "Bulk grants"). The work is gateway/grant's, shared with the admin HTTP endpoint;
 * this is its command line: where the users come from, live progress on stderr, the summary.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GrantProducer } from '../../gateway/grant/grant-producer.ts';
import type { Grant } from '../../gateway/grant/grant-store.ts';
import type { InvalidLine } from '../../gateway/grant/grant-runner.ts';
import { UsageError, type Args, type CommandResult } from './args.ts';
import { causesOf } from './causes.ts';
import type { OpsCommand, OpsCommandGroup, OpsContext } from './context.ts';
import { couponArg } from './gate.ts';
import { renderTable } from './table.ts';
import { formatDuration, formatTime } from './time.ts';

const LISTED_INVALID = 20;
const PROGRESS_EVERY_MS = 500;

const counted = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([reason, n]) => `${reason} ${n.toLocaleString('en-US')}`)
    .join(', ') || '0';

const lastActivity = (g: Grant, now: number): string => `${formatDuration(now - Date.parse(g.updatedAt))} ago`;
const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const uploadText = (g: Grant): string => (g.uploaded ? 'complete' : `line ${g.linesRead.toLocaleString('en-US')}`);

/** The grant as people read it: status, users, outcomes, and the first invalid lines. */
export function renderGrant(grant: Grant, now: number, invalid: readonly InvalidLine[] = []): string {
  const c = grant.counts;
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `grant ${grant.id} of coupon ${grant.couponId}: ${grant.status}${grant.uploaded ? '' : ' (upload not complete)'}`,
    `lines ${n(grant.linesRead)}, invalid ${n(grant.invalidLines)}, distinct users ${n(c.users)}`,
    `issued ${n(c.issued)} | rejected: ${counted(c.rejected)} | refused at the gate: ${counted(c.refused)} | failed ${n(c.failed)} | pending ${n(c.pending)}`,
    `created ${formatTime(Date.parse(grant.createdAt))}, last activity ${lastActivity(grant, now)}${grant.completedAt ? `, done ${formatTime(Date.parse(grant.completedAt))}` : ''}`,
  ];
  if (invalid.length > 0) {
    lines.push(`invalid lines (skipped)${grant.invalidLines > LISTED_INVALID ? `, the first ${LISTED_INVALID}` : ''}:`);
    for (const i of invalid.slice(0, LISTED_INVALID)) lines.push(`  line ${i.line}: ${i.reason}`);
  }
  return lines.join('\n');
}

/** Grants newest first, one a row; `now` (epoch ms) dates their last activity. */
export function renderGrantList(grants: readonly Grant[], now: number): string {
  const table = renderTable(
    [...grants],
    [
      { header: 'GRANT', value: (g) => g.id },
      { header: 'COUPON', value: (g) => String(g.couponId), align: 'right' },
      { header: 'STATUS', value: (g) => g.status },
      { header: 'UPLOAD', value: uploadText },
      { header: 'USERS', value: (g) => g.counts.users },
      { header: 'ISSUED', value: (g) => g.counts.issued },
      { header: 'NOT ISSUED', value: (g) => sum(g.counts.rejected) + sum(g.counts.refused) + g.counts.failed },
      { header: 'PENDING', value: (g) => g.counts.pending },
      { header: 'CREATED', value: (g) => formatTime(Date.parse(g.createdAt)) },
      { header: 'LAST ACTIVITY', value: (g) => lastActivity(g, now) },
    ],
    'no grants',
  );
  const stopped = grants.some((g) => !g.uploaded);
  return stopped
    ? `${table}\n(UPLOAD at a line: its upload has not read the file to the end. Unless a run of it is going on, it was stopped:\n` +
        ' run it again with the same file or --grant-id; it resumes, and nothing is issued twice.)'
    : table;
}

/** The option as a positive integer, or `fallback` (undefined for an option with no default) when it is not given. */
function positiveInteger<F extends number | undefined>(args: Args, name: string, fallback: F, zero = false): number | F {
  const raw = args.string(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < (zero ? 0 : 1)) throw new UsageError(`--${name}: expected a ${zero ? 'non-negative' : 'positive'} integer, got "${raw}"`);
  return value;
}

async function grantStore(ctx: OpsContext) {
  const [{ GrantStore, grantPoolConfig }, { default: pg }] = await Promise.all([import('../../gateway/grant/grant-store.ts'), import('pg')]);
  const db = new pg.Pool({ ...grantPoolConfig(ctx.config().databaseUrl, 'coupon-ops-grant'), connectionTimeoutMillis: 5000 });
  ctx.onClose(() => db.end());
  return new GrantStore(db);
}

async function writeOutcomes(ctx: OpsContext, store: Awaited<ReturnType<typeof grantStore>>, grantId: string, file: string): Promise<void> {
  await ctx.step(`writing the per-user result of grant ${grantId} to ${file}`, async () => {
    const out = fs.createWriteStream(file);
    await store.writeResults(grantId, out);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  });
}

/** Serves the grant metrics on /metrics while the command runs. */
async function serveMetrics(ctx: OpsContext, port: number) {
  const [{ Registry, collectDefaultMetrics }, { createGrantMetrics }, http] = await Promise.all([import('prom-client'), import('../../gateway/grant/grant-metrics.ts'), import('node:http')]);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createGrantMetrics(registry);
  const server = http.createServer((req, res) => {
    void registry.metrics().then((text) => res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': registry.contentType }).end(req.url === '/metrics' ? text : ''));
  });
  await ctx.step(`serving metrics on 127.0.0.1:${port}`, () => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve)));
  ctx.onClose(() => new Promise((resolve) => server.close(() => resolve())));
  return metrics;
}

const runCommand: OpsCommand = {
  name: 'run',
  summary: 'issue a coupon to every user of a file (CSV, NDJSON or one id per line; gzip; - for stdin)',
  description:
    'Streams the file: each distinct user gets a request with a deterministic event id (from the grant id), reserved at\n' +
    "the coupon's gate in batches and produced to coupon-issue-requests, where the processor decides it like a flash\n" +
    "sale's. Idempotent: running it again with the same file (or --grant-id) issues nothing twice and produces no new\n" +
    'outcome for a user already decided; after a crash, run it again. Invalid lines are reported with their line numbers\n' +
    'and skipped. The grant id is --grant-id, else derived from the coupon and the content hash. Waits until every\n' +
    'request is decided (progress on stderr), then prints the counts; exit 1 if --wait-timeout passes first. A failure of\n' +
    'Redis, Kafka, the registry or Postgres part way runs the grant again from its first line after a pause (1 s doubling\n' +
    'to 15 s), until it has done no work for --retry-for; a wrong file, grant id or coupon ends it at once.',
  options: {
    coupon: { type: 'string', value: '<id>', description: 'the coupon to grant (required)' },
    users: { type: 'string', value: '<file|->', description: 'the users: a file path, or - for stdin (required)' },
    'grant-id': { type: 'string', value: '<id>', description: 'the grant id (1-64 of A-Z a-z 0-9 . _ : -); default: c<coupon>-<content hash>' },
    'batch-size': { type: 'string', value: '<n>', description: 'users per batch (default 5000)' },
    'max-rate': { type: 'string', value: '<users/s>', description: 'at most this many users a second (default: as fast as it goes), e.g. beside a flash sale' },
    'no-wait': { type: 'boolean', description: 'return once every request is produced, without waiting for the decisions' },
    'wait-timeout': { type: 'string', value: '<seconds>', description: 'how long to wait for the decisions (default 600)' },
    'retry-for': { type: 'string', value: '<seconds>', description: 'after Redis, Kafka, the registry or Postgres failed the grant part way, run it again until it has done no work for this long (default 300; 0: stop at the first failure)' },
    outcomes: { type: 'string', value: '<file>', description: 'write the per-user result as CSV to this file at the end' },
    'metrics-port': { type: 'string', value: '<port>', description: 'serve Prometheus metrics (coupon_grant_*) on 127.0.0.1:<port>/metrics while running' },
  },
  run: async (ctx, args): Promise<CommandResult> => {
    const couponId = couponArg(args);
    const users = args.string('users');
    if (couponId === undefined || users === undefined) throw new UsageError('grant: --coupon <id> and --users <file|-> are required');
    const batchSize = positiveInteger(args, 'batch-size', 5000);
    const maxUsersPerSecond = positiveInteger(args, 'max-rate', undefined);
    const waitMs = positiveInteger(args, 'wait-timeout', 600) * 1000;
    const metricsPort = positiveInteger(args, 'metrics-port', undefined);
    const retryForMs = positiveInteger(args, 'retry-for', 300, true) * 1000;
    const [input, ids, { Gate }, { GrantProducer }, runner, { progressLine }, { GrantRetries }] = await Promise.all([
      import('../../gateway/grant/grant-input.ts'),
      import('../../gateway/grant/grant-id.ts'),
      import('../../gateway/gate.ts'),
      import('../../gateway/grant/grant-producer.ts'),
      import('../../gateway/grant/grant-runner.ts'),
      import('../../gateway/grant/grant-progress.ts'),
      import('../../gateway/grant/grant-failure.ts'),
    ]);
    let givenId: string | undefined;
    try {
      givenId = args.string('grant-id') === undefined ? undefined : ids.checkGrantId(args.string('grant-id')!);
    } catch (err) {
      throw new UsageError(`--grant-id: ${(err as Error).message}`);
    }
    if (users !== '-' && !fs.existsSync(users)) throw new UsageError(`--users: no file ${users}`);
    const source = await ctx.step(users === '-' ? 'reading the users from stdin' : `reading ${users}`, async () => {
      if (users !== '-') return { file: users, ...(await input.fileDigest(users)) };
      const spooled = await input.spool(process.stdin);
      ctx.onClose(spooled.remove);
      return spooled;
    });
    const grantId = givenId ?? ids.contentGrantId(couponId, source.sha256);
    const config = ctx.config();
    const metrics = metricsPort === undefined ? undefined : await serveMetrics(ctx, metricsPort);
    const store = await grantStore(ctx);
    const log = await ctx.log();
    const options = { couponId, grantId, totalLines: source.lines, batchSize, maxUsersPerSecond };
    const retries = new GrantRetries(retryForMs, Date.now());
    let producer: GrantProducer | undefined;
    let upload = runner.startUpload(options);
    const show = (): void => {
      retries.observe(upload.progress, Date.now());
      ctx.progress.update(`grant ${grantId}: ${progressLine(upload.progress, Date.now())}`);
    };
    const ticker = setInterval(show, PROGRESS_EVERY_MS);
    let grant: Grant;
    try {
      // Each run reads the file from its first line: what an earlier run did comes back as decided or held.
      for (;;) {
        try {
          const gate = new Gate(await ctx.step('connecting to Redis', () => ctx.redis()));
          if (!producer) {
            const started = await ctx.step(`connecting to Kafka (${config.kafka.brokers}) and the registry`, () => GrantProducer.start(config.kafka, config.registry));
            ctx.onClose(() => started.close());
            producer = started;
          }
          const deps = { gate, producer, store, metrics, log };
          await ctx.step(`granting coupon ${couponId} (grant ${grantId})`, () => runner.uploadGrant(input.fileLines(source.file), deps, options, upload));
          grant = args.flag('no-wait')
            ? await ctx.step(`reading grant ${grantId}`, () => store.settle(grantId))
            : await ctx.step(`waiting for the decisions of grant ${grantId}`, () => runner.awaitDecisions(upload, deps, { timeoutMs: waitMs, onPoll: show }));
          break;
        } catch (err) {
          retries.observe(upload.progress, Date.now());
          const pause = retries.afterFailure(err, Date.now());
          if (pause === undefined) throw err;
          ctx.progress.done(`grant ${grantId}: ${causesOf(err).join(': ')}; running it again in ${(pause / 1000).toFixed(1)} s (it resumes: nothing is issued twice)`);
          await sleep(pause);
          upload = runner.startUpload(options);
        }
      }
    } finally {
      clearInterval(ticker);
    }
    ctx.progress.done(`grant ${grantId}: ${progressLine(upload.progress, Date.now())}`);
    const outcomes = args.string('outcomes');
    if (outcomes !== undefined) await writeOutcomes(ctx, store, grantId, outcomes);
    const timedOut = !args.flag('no-wait') && grant.status !== 'DONE';
    return {
      data: { grant, invalidLines: upload.invalidLines, progress: upload.progress },
      text: renderGrant(grant, Date.now(), upload.invalidLines) + (timedOut ? `\nstill RUNNING after ${waitMs / 1000} s: \`grant show ${grantId}\` later` : ''),
      exitCode: timedOut ? 1 : 0,
    };
  },
};

const showCommand: OpsCommand = {
  name: 'show',
  summary: 'a grant: status and counts by outcome; --outcomes writes the per-user result as CSV',
  description:
    'Counts come from the roster and the ledger (a DONE grant from its stored counts). The per-user result lists every\n' +
    'distinct user in line order: user_id, line, result (ISSUED, REJECTED, FAILED, REFUSED at the gate, PENDING),\n' +
    'reason, user_coupon_id, event_id, decided_at. Exit 1 if there is no such grant.',
  positionals: [{ name: 'grant-id', description: 'the grant id' }],
  options: { outcomes: { type: 'string', value: '<file>', description: 'write the per-user result as CSV to this file' } },
  run: async (ctx, args): Promise<CommandResult> => {
    const grantId = args.positional('grant-id');
    const store = await grantStore(ctx);
    const grant = await ctx.step(`reading grant ${grantId}`, () => store.settle(grantId));
    const outcomes = args.string('outcomes');
    if (outcomes !== undefined) await writeOutcomes(ctx, store, grantId, outcomes);
    return { data: grant, text: renderGrant(grant, Date.now()) };
  },
};

const listCommand: OpsCommand = {
  name: 'list',
  summary: 'grants, newest first: status, how far the upload got, counts by outcome, last activity',
  description:
    'Each grant as `grant show` counts it (a DONE grant from its stored counts). NOT ISSUED sums the users the processor\n' +
    'rejected, the gate refused and the failed. A grant whose upload stopped part way (a killed run, a failed upload)\n' +
    'stays RUNNING at the line it reached: running it again resumes it.',
  options: {
    coupon: { type: 'string', value: '<id>', description: "only this coupon's grants" },
    limit: { type: 'string', value: '<n>', description: 'at most n grants (default 20)' },
  },
  run: async (ctx, args): Promise<CommandResult> => {
    const couponId = couponArg(args);
    const limit = positiveInteger(args, 'limit', 20);
    const store = await grantStore(ctx);
    const grants = await ctx.step('reading grants from Postgres', () => store.list({ couponId, limit }));
    return { data: grants, text: renderGrantList(grants, Date.now()) };
  },
};

export const grantGroup: OpsCommandGroup = {
  name: 'grant',
  summary: 'bulk grants: issue a coupon to a list of users through the gate and the processor, idempotently',
  commands: [runCommand, listCommand, showCommand],
  defaultCommand: 'run',
};
