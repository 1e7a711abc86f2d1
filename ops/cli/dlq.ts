/** `dlq list | show | replay`: the dead letters of coupon-issue-dlq, inspected and re-produced. */
import { formatPosition, parsePosition } from '../../schemas/headers.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { UsageError, type Args, type CommandResult, type OptionSpec } from './args.ts';
import { bytesInline, bytesJson, hexDump, jsonSafe } from './bytes.ts';
import { OpsError, type OpsCommand, type OpsCommandGroup, type OpsContext } from './context.ts';
import type { DeadLetterEntry, OriginalValue } from './dead-letters.ts';
import type { LedgerState, Replayed, ReplayItem } from './dlq-replay.ts';
import {
  isPermanent,
  isSelected,
  matchesFilter,
  namedPositions,
  parseCause,
  parseCouponId,
  parseSelection,
  readBounds,
  SELECTION_HELP,
  type DeadLetterFilter,
} from './dlq-selection.ts';
import { renderFields, renderTable } from './table.ts';
import { formatTime, parseSince } from './time.ts';

const DLQ_TOPIC = TOPICS.dlq;

// ---------------------------------------------------------------- views (pure)

const causeOf = (e: DeadLetterEntry): string => e.letter?.errorType ?? 'UNDECODABLE_DEAD_LETTER';
const userOf = (e: DeadLetterEntry): number | null => (e.original.kind === 'request' ? e.original.request.userId : null);
const sourceOf = (e: DeadLetterEntry): string => (e.letter ? `${e.letter.sourcePartition}:${e.letter.sourceOffset}` : '-');
const oneLine = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function originalJson(original: OriginalValue): unknown {
  return original.kind === 'avro' ? { ...original, value: jsonSafe(original.value) } : original;
}

/** A dead letter as --json prints it. */
export function entryJson(e: DeadLetterEntry): Record<string, unknown> {
  const l = e.letter;
  return {
    position: formatPosition(e),
    partition: e.partition,
    offset: e.offset,
    writtenAt: e.writtenAt,
    cause: causeOf(e),
    message: l?.errorMessage ?? e.letterProblem,
    eventId: l?.eventId ?? null,
    couponId: e.couponId,
    source: l ? { topic: l.sourceTopic, partition: l.sourcePartition, offset: l.sourceOffset } : null,
    attempts: l?.attempts ?? null,
    failedAt: l?.failedAt ?? null,
    key: bytesJson(l?.key ?? null),
    value: bytesJson(l?.value ?? null),
    original: originalJson(e.original),
    headers: (l?.headers ?? []).map((h) => ({ key: h.key, value: bytesJson(h.value) })),
    permanent: l ? isPermanent(l.errorType) : true,
  };
}

export function renderList(entries: DeadLetterEntry[], matching: number): string {
  const table = renderTable(
    entries,
    [
      { header: 'POSITION', value: (e) => formatPosition(e) },
      { header: 'FAILED AT', value: (e) => formatTime(e.letter?.failedAt ?? e.writtenAt) },
      { header: 'CAUSE', value: causeOf },
      { header: 'COUPON', value: (e) => e.couponId?.toString(), align: 'right' },
      { header: 'USER', value: (e) => userOf(e)?.toString(), align: 'right' },
      { header: 'EVENT ID', value: (e) => e.letter?.eventId },
      { header: 'SOURCE', value: sourceOf },
      { header: 'MESSAGE', value: (e) => oneLine(e.letter?.errorMessage ?? e.letterProblem ?? '', 60) },
    ],
    'no dead letters match',
  );
  const more = matching > entries.length ? `\n(the last ${entries.length} of ${matching.toLocaleString('en-US')} matching; --limit 0 shows all)` : '';
  return entries.length === 0 ? table : `${table}\n${matching.toLocaleString('en-US')} dead letter${matching === 1 ? '' : 's'}${more}`;
}

function renderOriginal(original: OriginalValue, value: Buffer | null): string {
  switch (original.kind) {
    case 'none':
      return 'original value: (none)';
    case 'request': {
      const r = original.request;
      return `original value: CouponIssueRequested (schema id ${original.schemaId})\n${indent(
        renderFields([
          ['eventId', r.eventId],
          ['couponId', String(r.couponId)],
          ['userId', String(r.userId)],
          ['requestedAt', `${formatTime(r.requestedAt)} (${r.requestedAt})`],
        ]),
      )}`;
    }
    case 'avro':
      return `original value: ${original.schemaName} (schema id ${original.schemaId}), not a request: ${original.problem}\n${indent(JSON.stringify(jsonSafe(original.value), null, 2))}`;
    case 'bytes':
      return `original value: ${value?.length ?? 0} bytes, undecodable (${original.problem})\n${indent(hexDump(value ?? Buffer.alloc(0)))}`;
  }
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

export function renderShow(e: DeadLetterEntry): string {
  const l = e.letter;
  const head = `dead letter ${formatPosition(e)} of ${DLQ_TOPIC}, written ${formatTime(e.writtenAt)}`;
  if (!l) return `${head}\nthe dead letter itself cannot be decoded: ${e.letterProblem}`;
  const headers = l.headers.length === 0 ? 'headers: (none)' : `headers:\n${indent(l.headers.map((h) => `${h.key}: ${h.value === null ? '(null)' : bytesInline(h.value, 200)}`).join('\n'))}`;
  const replay = isPermanent(l.errorType) ? `no: ${l.errorType} is permanent (the same bytes fail again); --force replays them anyway` : 'yes';
  return [
    head,
    renderFields([
      ['cause', l.errorType],
      ['message', l.errorMessage],
      ['event id', l.eventId],
      ['source', `${l.sourceTopic} ${l.sourcePartition}:${l.sourceOffset}`],
      ['failed at', formatTime(l.failedAt)],
      ['attempts', String(l.attempts)],
      ['original key', bytesInline(l.key, 200)],
      ['replayable', replay],
    ]),
    renderOriginal(e.original, l.value),
    headers,
  ].join('\n');
}

export interface ReplayRow {
  item: ReplayItem;
  ledger: LedgerState | undefined;
  replayedTo: Replayed['to'] | undefined;
}

const ledgerText = (s: LedgerState | undefined): string => (s ? `${s.outcome}${s.outcome === 'ISSUED' || !s.reason ? '' : ` ${oneLine(s.reason, 30)}`}` : 'none');

export function renderReplay(rows: ReplayRow[], dryRun: boolean, transactionalId: string): string {
  const table = renderTable(
    rows,
    [
      { header: 'POSITION', value: (r) => formatPosition(r.item.entry) },
      { header: 'CAUSE', value: (r) => causeOf(r.item.entry) },
      { header: 'COUPON', value: (r) => r.item.entry.couponId?.toString(), align: 'right' },
      { header: 'USER', value: (r) => userOf(r.item.entry)?.toString(), align: 'right' },
      { header: 'EVENT ID', value: (r) => r.item.eventId },
      { header: 'LEDGER', value: (r) => ledgerText(r.ledger) },
      {
        header: 'ACTION',
        value: (r) => (r.item.refused ? `refused: ${r.item.refused}` : r.replayedTo ? `replayed to ${formatPosition(r.replayedTo)}` : dryRun ? 'would replay' : '-'),
      },
    ],
    'no dead letters selected',
  );
  const replayed = rows.filter((r) => !r.item.refused).length;
  const refused = rows.length - replayed;
  const summary = dryRun
    ? `dry run: ${replayed} would be replayed, ${refused} refused; nothing was produced`
    : replayed === 0
      ? `nothing replayed (${refused} refused)`
      : `${replayed} replayed to coupon-issue-requests in one transaction (transactional id ${transactionalId}), ${refused} refused`;
  return `${table}\n${summary}`;
}

// ---------------------------------------------------------------- options

const FILTER_OPTIONS: Record<string, OptionSpec> = {
  since: { type: 'string', value: '<iso|duration>', description: 'only dead letters that failed since then (2026-01-31T12:00:00Z, or 90s/15m/2h/1d ago)' },
  cause: { type: 'string', value: '<errorType>', description: 'only this cause, e.g. UNPROCESSABLE, INVALID_FIELD, WRONG_MAGIC_BYTE' },
  coupon: { type: 'string', value: '<id>', description: 'only requests for this coupon' },
};

function filterOf(args: Args, now: number): DeadLetterFilter {
  const since = args.string('since');
  const cause = args.string('cause');
  const coupon = args.string('coupon');
  return {
    since: since === undefined ? undefined : parseSince(since, now),
    cause: cause === undefined ? undefined : parseCause(cause),
    coupon: coupon === undefined ? undefined : parseCouponId(coupon),
  };
}

const filterable = (e: DeadLetterEntry) => ({ failedAt: e.letter?.failedAt ?? e.writtenAt, errorType: e.letter?.errorType ?? null, couponId: e.couponId });

// ---------------------------------------------------------------- commands

/** Reads and decodes the dead letters in [from, until), with progress. */
async function read(ctx: OpsContext, from: Map<number, number>, until?: Map<number, number>): Promise<DeadLetterEntry[]> {
  const { readDeadLetters } = await import('./dead-letters.ts');
  const { kafkaBrokers, schemaRegistryUrl, kafka } = ctx.config();
  const serde = await ctx.serde();
  const tracker = ctx.track(`reading ${DLQ_TOPIC}`);
  try {
    return await ctx.step(`reading ${DLQ_TOPIC} from Kafka (${kafkaBrokers}) and decoding it through the registry (${schemaRegistryUrl})`, () =>
      readDeadLetters(serde, from, { kafka, until, onProgress: (n, total) => tracker.update(n, total) }),
    );
  } finally {
    tracker.finish();
  }
}

/** Where to start reading for a filter: with --since, the first dead letter written since then. */
async function startFor(ctx: OpsContext, filter: DeadLetterFilter): Promise<Map<number, number>> {
  if (filter.since === undefined) return new Map();
  const { offsetsSince } = await import('./dead-letters.ts');
  return ctx.step(`looking up ${DLQ_TOPIC} offsets by time`, async () => offsetsSince(await ctx.admin(), filter.since!));
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`--limit takes a whole number (0 = all), got "${raw}"`);
  return Number(raw);
}

const list: OpsCommand = {
  name: 'list',
  summary: 'dead letters: position, time, cause, coupon, user, event id, source record',
  description: `Reads ${DLQ_TOPIC} read_committed. Positions (<partition>:<offset>) are what dlq show and dlq replay take.`,
  options: { ...FILTER_OPTIONS, limit: { type: 'string', value: '<n>', description: 'show the last n that match (default 50; 0 = all)' } },
  async run(ctx, args): Promise<CommandResult> {
    const filter = filterOf(args, Date.now());
    const limit = parseLimit(args.string('limit'));
    const matching = (await read(ctx, await startFor(ctx, filter))).filter((e) => matchesFilter(filterable(e), filter));
    const shown = limit === 0 ? matching : matching.slice(-limit);
    return { data: { topic: DLQ_TOPIC, matching: matching.length, deadLetters: shown.map(entryJson) }, text: renderList(shown, matching.length) };
  },
};

const show: OpsCommand = {
  name: 'show',
  summary: 'one dead letter: cause, original key, value (decoded where possible, hex otherwise), headers',
  positionals: [{ name: 'position', description: `<partition>:<offset> in ${DLQ_TOPIC} (as dlq list prints it)` }],
  async run(ctx, args): Promise<CommandResult> {
    const position = parsePosition(args.positional('position'));
    if (!position) throw new UsageError(`dlq show takes <partition>:<offset>, got "${args.positional('position')}"`);
    const [entry] = await read(ctx, new Map([[position.partition, position.offset]]), new Map([[position.partition, position.offset + 1]]));
    if (!entry) throw new OpsError(`no committed dead letter at ${formatPosition(position)} of ${DLQ_TOPIC}`);
    return { data: entryJson(entry), text: renderShow(entry) };
  },
};

const replay: OpsCommand = {
  name: 'replay',
  summary: 're-produce the original requests of dead letters to coupon-issue-requests, in one transaction',
  description: [
    `Selection: ${SELECTION_HELP}; --since/--cause/--coupon narrow it.`,
    'Each replayed record is the original key and value with the original headers plus',
    'coupon-replayed-from: <partition>:<offset> of its dead letter, partitioned as the gateway does (murmur2 of the',
    'key) so it joins its coupon\'s order. Replays are idempotent through the event id: a request the ledger holds as',
    'FAILED is decided afresh once; one already ISSUED or REJECTED changes nothing. Dead letters whose own bytes are',
    'wrong (MISSING_VALUE, WRONG_MAGIC_BYTE, MALFORMED_BODY, UNEXPECTED_SCHEMA) are refused unless --force; the others',
    'are replayed. LEDGER shows the outcome the ledger holds for the event id before the replay.',
  ].join('\n'),
  positionals: [{ name: 'selection', description: SELECTION_HELP, variadic: true }],
  options: {
    ...FILTER_OPTIONS,
    'dry-run': { type: 'boolean', description: 'show what would be replayed; produce nothing' },
    force: { type: 'boolean', description: 'replay dead letters with a permanent cause too' },
    'transactional-id': { type: 'string', value: '<id>', description: 'the replay producer\'s transactional id (default coupon-ops-dlq-replay)' },
  },
  async run(ctx, args): Promise<CommandResult> {
    const selection = parseSelection(args.positionals);
    const filter = filterOf(args, Date.now());
    const dryRun = args.flag('dry-run');
    const { planReplay, produceReplay, ledgerStates, DEFAULT_REPLAY_TRANSACTIONAL_ID } = await import('./dlq-replay.ts');
    const transactionalId = args.string('transactional-id') ?? DEFAULT_REPLAY_TRANSACTIONAL_ID;

    const bounds = readBounds(selection);
    const entries = (bounds ? await read(ctx, bounds.from, bounds.until) : await read(ctx, await startFor(ctx, filter))).filter(
      (e) => isSelected(selection, e.partition, e.offset) && matchesFilter(filterable(e), filter),
    );
    const missing = namedPositions(selection).filter((p) => !entries.some((e) => e.partition === p.partition && e.offset === p.from));
    // Named explicitly but absent (or filtered out): replay nothing rather than part of what was asked.
    if (missing.length > 0) throw new OpsError(`no committed dead letter at ${missing.map((p) => `${p.partition}:${p.from}`).join(', ')} of ${DLQ_TOPIC} matches; nothing replayed`);

    const items = planReplay(entries, args.flag('force'));
    const ledger = await ctx.step('reading the ledger outcomes from Postgres', async () => ledgerStates(await ctx.db(), items.map((i) => i.eventId)));
    const chosen = items.filter((i) => !i.refused);
    let replayed: Replayed[] = [];
    if (!dryRun && chosen.length > 0) {
      replayed = await ctx.step(`producing ${chosen.length} replayed request(s) in one transaction (nothing is visible unless it commits)`, async () =>
        produceReplay(await ctx.kafka(), transactionalId, chosen),
      );
    }
    const to = new Map(replayed.map((r) => [formatPosition(r.from), r.to]));
    const rows: ReplayRow[] = items.map((item) => ({ item, ledger: item.eventId ? ledger.get(item.eventId.toLowerCase()) : undefined, replayedTo: to.get(formatPosition(item.entry)) }));
    const data = {
      dryRun,
      transactionalId,
      replayed: replayed.length,
      refused: items.length - chosen.length,
      items: rows.map((r) => ({
        position: formatPosition(r.item.entry),
        cause: causeOf(r.item.entry),
        couponId: r.item.entry.couponId,
        userId: userOf(r.item.entry),
        eventId: r.item.eventId,
        ledgerBefore: r.ledger ?? null,
        refused: r.item.refused,
        replayedTo: r.replayedTo ? formatPosition(r.replayedTo) : null,
      })),
    };
    return { data, text: renderReplay(rows, dryRun, transactionalId) };
  },
};

export const dlqGroup: OpsCommandGroup = {
  name: 'dlq',
  summary: `the dead letters of ${DLQ_TOPIC}: list, show one, replay their original requests`,
  commands: [list, show, replay],
};
