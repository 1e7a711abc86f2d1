/**
 * `npm run demo`: starts the gateway and the processor on the embedded stack (which `npm run demo`
 * brings up first), creates a coupon, runs a flash sale against it over HTTP, waits until every
 * accepted request has its terminal outcome, prints the summary with the invariants I1-I4, and
 * says where everything is. `--help` lists the options.
 *
 * Each run works on topics of its own (`demo-<run>.` through COUPON_TOPIC_PREFIX) and its own
 * consumer group: a bench, the tests or another demo on the same broker neither decide its
 * requests nor add records to its outputs. The topics and their subjects are removed when it stops.
 *
 * The services log to .stack/logs/; this process prints only its own lines.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { endpointsFromEnv, type Endpoints } from '../../platform/endpoints.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';
import { registryConnectionFromEnv } from '../../platform/registry-config.ts';
import { Serde } from '../../schemas/serde.ts';
import { prefixedTopics, TOPIC_PREFIX_VARIABLE } from '../../schemas/topics.ts';
import { provisionTopicSet, removeTopicSet } from '../provision/topic-set.ts';
import { startGateway, startProcessor, type ServiceProcess } from '../run/service-process.ts';
import { waitFor } from '../run/wait-for.ts';
import { checkInvariants, type CommittedOutputs } from '../verify/invariants.ts';
import { outputEnds, readOutputs, type OutputOffsets, type OutputSource } from '../verify/outputs.ts';
import { acceptedEventIds, emptyTally, countAnswer, type GateTally } from './answers.ts';
import { DemoGroup } from './consumer-group.ts';
import { planSale, runFlashSale, type SaleResult } from './flash-sale.ts';
import { ledgerCounts, type LedgerCounts } from './ledger-counts.ts';
import { EXIT } from '../cli/args.ts';
import { parseDemoArgs, USAGE, type DemoOptions } from './options.ts';
import { Progress } from './progress.ts';
import { buildSummary, missingOutcomes, renderSummary, renderWhere, type DemoSummary } from './summary.ts';

const STEPS = 5;
const STARTUP_TIMEOUT_MS = 90_000;
/** Committed outputs trail the ledger by one Kafka commit; this is a generous bound. */
const OUTPUTS_TIMEOUT_MS = 60_000;
/** A service that does not stop on SIGTERM within this is killed. */
const STOP_GRACE_MS = 20_000;
/** Partitions of the run's requests topic, as the stack provisions the shared one. */
const PARTITIONS = 6;

class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

const int = (n: number): string => n.toLocaleString('en-US');
const relative = (file: string): string => path.relative(process.cwd(), file) || file;
const step = (n: number, text: string): void => console.log(`[${n}/${STEPS}] ${text}`);

function saleLine(answered: number, planned: number, t: GateTally, ledger: LedgerCounts | undefined): string {
  const decided = ledger ? ` | ledger: ${int(ledger.issued)} issued, ${int(ledger.rejected + ledger.failed)} rejected or failed` : '';
  return (
    `  ${int(answered)}/${int(planned)} answered: ${int(t.accepted)} accepted, ${int(t.alreadyRequested)} already requested, ` +
    `${int(t.soldOut)} sold out, ${int(t.badRequest)} bad${t.other ? `, ${int(t.other)} other` : ''}${decided}`
  );
}

/** Everything one run starts, so that it can all be stopped, whatever point the run reached. */
class Demo {
  readonly endpoints: Endpoints = endpointsFromEnv();
  readonly adminToken = crypto.randomBytes(18).toString('base64url');
  readonly db = new pg.Pool({ connectionString: this.endpoints.databaseUrl, max: 2 });
  readonly registry = registryConnectionFromEnv();
  readonly serde = new Serde(this.registry);
  readonly kafka = kafkaConnectionFromEnv();
  readonly runId = Date.now().toString(36);
  readonly topicPrefix = `demo-${this.runId}.`;
  readonly topics = prefixedTopics(this.topicPrefix);
  private topicsCreated = false;
  gateway?: ServiceProcess;
  processor?: ServiceProcess;
  group?: DemoGroup;
  couponId?: number;
  private stopping?: Promise<void>;

  constructor(readonly options: DemoOptions) {}

  /** Why the run cannot go on: a service exited. */
  readonly giveUp = (): string | undefined => {
    for (const s of [this.gateway, this.processor]) {
      if (s && (s.child.exitCode !== null || s.child.signalCode !== null)) {
        return `the ${s.service} exited (${s.child.exitCode ?? s.child.signalCode}); see ${relative(s.logFile)}`;
      }
    }
    return undefined;
  };

  async run(): Promise<DemoSummary> {
    const { options } = this;
    console.log(
      `Coupon flash-sale demo: ${int(options.users)} users for ${int(options.quantity)} coupons, ${int(options.concurrency)} requests in flight, ` +
        `${int(options.repeats)} repeats, ${int(options.malformed)} malformed requests`,
    );

    step(1, 'starting the gateway and the processor');
    const since = await this.startServices();
    step(2, 'creating the coupon');
    const couponId = (this.couponId = await this.createCoupon());
    console.log(`  coupon ${couponId}: ${int(options.quantity)} units, on sale now`);

    step(3, `flash sale: ${int(options.users)} users at once over HTTP`);
    const sale = await this.sale(couponId);
    const accepted = acceptedEventIds(sale.answers);

    const readersDuringSale = await this.group!.otherReaders();

    step(4, `waiting for the outcomes of the ${int(accepted.length)} accepted requests`);
    const outputs = await this.outcomes(couponId, accepted, since);

    step(5, 'checking the invariants against Postgres and the committed output topics');
    const invariants = await checkInvariants(this.db, [couponId], accepted, outputs);
    const otherReaders = [...new Set([...readersDuringSale, ...(await this.group!.otherReaders())])].sort();
    return buildSummary({ options, couponId, answers: sale.answers, saleSeconds: sale.seconds, outputs, invariants, otherReaders });
  }

  /** Returns where the output topics ended before the sale: the demo reads only what follows. */
  private async startServices(): Promise<OutputOffsets> {
    const groupId = `coupon-demo-${this.runId}`;
    this.topicsCreated = true;
    await provisionTopicSet(this.kafka, PARTITIONS, this.topics);
    this.group = await DemoGroup.create(this.kafka, groupId, this.topics.requests);
    if (this.stopping) throw new Error('stopping');
    const since = await outputEnds(this.outputSource);
    const env = { [TOPIC_PREFIX_VARIABLE]: this.topicPrefix };
    const [gateway, processor] = await Promise.all([
      startGateway('demo', { ...env, ADMIN_TOKEN: this.adminToken }),
      startProcessor({ instanceId: 'demo', env: { ...env, PROCESSOR_GROUP_ID: groupId } }),
    ]);
    this.gateway = gateway;
    this.processor = processor;
    // stop() may have run while the ports were being picked: it could not see these two then.
    if (this.stopping) {
      await this.stopServices();
      throw new Error('stopping');
    }
    const progress = new Progress(process.stdout);
    progress.update('  waiting for both to answer /healthz');
    await Promise.all([gateway.ready(STARTUP_TIMEOUT_MS), processor.ready(STARTUP_TIMEOUT_MS)]);
    progress.update('  waiting for the gateway to reach Redis, Kafka and the registry (/readyz)');
    await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).ok || undefined, STARTUP_TIMEOUT_MS, 200, this.giveUp);
    progress.update(`  waiting for the processor to join its consumer group ${groupId}`);
    await this.group.assigned(STARTUP_TIMEOUT_MS, this.giveUp);
    progress.done(`  gateway ${gateway.url}, processor metrics ${processor.url}/metrics, consumer group ${groupId}, topics ${this.topicPrefix}*`);
    return since;
  }

  /** The run's own output topics on the stack's broker. */
  private get outputSource(): OutputSource {
    return { kafka: this.kafka, topics: this.topics };
  }

  private async createCoupon(): Promise<number> {
    const response = await fetch(`${this.gateway!.adminUrl}/api/admin/coupons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `demo flash sale ${new Date().toISOString()}`, totalQuantity: this.options.quantity }),
    });
    if (response.status !== 201) throw new Error(`creating the coupon answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { id: number }).id;
  }

  private async sale(couponId: number): Promise<SaleResult> {
    const { options } = this;
    const plan = planSale(couponId, options.users, options.malformed);
    const planned = plan.length + options.repeats;
    const tally = emptyTally();
    let answered = 0;
    let ledger: LedgerCounts | undefined;
    const progress = new Progress(process.stdout);
    // The processor decides while the sale runs: show that too (one indexed count query at a time).
    let polling = false;
    const timer = setInterval(() => {
      progress.update(saleLine(answered, planned, tally, ledger));
      if (polling) return;
      polling = true;
      ledgerCounts(this.db, couponId)
        .then((c) => (ledger = c))
        .catch(() => undefined)
        .finally(() => (polling = false));
    }, 250);
    try {
      const result = await runFlashSale(plan, { baseUrl: this.gateway!.url, concurrency: options.concurrency, repeats: options.repeats }, (answer) => {
        answered++;
        countAnswer(tally, answer);
      });
      progress.done(`${saleLine(answered, planned, tally, ledger)} — in ${result.seconds.toFixed(1)} s`);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  /** Waits until the ledger holds every accepted request's outcome, then until the output topics show them committed. */
  private async outcomes(couponId: number, accepted: string[], since: OutputOffsets): Promise<CommittedOutputs> {
    const progress = new Progress(process.stdout);
    const line = (c: LedgerCounts): string =>
      `  ledger: ${int(c.decided)}/${int(accepted.length)} decided (${int(c.issued)} issued, ${int(c.rejected)} rejected, ${int(c.failed)} failed)`;
    // At least 500 decisions a second, or it is stuck.
    const ledger = await waitFor(
      async () => {
        const counts = await ledgerCounts(this.db, couponId);
        progress.update(line(counts));
        return counts.decided >= accepted.length ? counts : undefined;
      },
      Math.max(60_000, accepted.length * 2),
      250,
      this.giveUp,
    );
    progress.done(line(ledger));

    progress.update('  reading the committed output topics');
    try {
      const outputs = await waitFor(
        async () => {
          const read = await readOutputs(this.serde, since, this.outputSource);
          return missingOutcomes(read, accepted) === 0 ? read : undefined;
        },
        OUTPUTS_TIMEOUT_MS,
        500,
        this.giveUp,
      );
      progress.done(`  output topics: a committed record for each of the ${int(accepted.length)} accepted requests`);
      return outputs;
    } catch (err) {
      // Not fatal: the invariant check then shows exactly what is missing.
      progress.done(`  output topics: not every accepted request has a committed record (${(err as Error).message})`);
      return readOutputs(this.serde, since, this.outputSource);
    }
  }

  private async stopServices(): Promise<void> {
    const stop = async (s: ServiceProcess | undefined): Promise<void> => {
      if (!s) return;
      const killer = setTimeout(() => void s.stop('SIGKILL'), STOP_GRACE_MS);
      const code = await s.stop('SIGTERM');
      clearTimeout(killer);
      if (code !== 0) console.error(`  the ${s.service} exited with ${code ?? 'a signal'} while stopping; see ${relative(s.logFile)}`);
    };
    await Promise.all([stop(this.gateway), stop(this.processor)]);
  }

  /** Stops the services, removes the run's topics and subjects, closes the clients; safe to call at any point, and twice. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.stopServices();
      await this.group?.close().catch(() => undefined);
      if (this.topicsCreated) {
        await removeTopicSet(this.kafka, this.registry, this.topics).then(
          () => console.log(`  removed the run's topics ${this.topicPrefix}* and their subjects`),
          (err: unknown) => console.error(`  could not remove the run's topics ${this.topicPrefix}*: ${(err as Error).message}`),
        );
      }
      await this.db.end().catch(() => undefined);
    })());
  }

  where(running: boolean): string {
    return renderWhere({
      couponId: this.couponId!,
      gatewayUrl: this.gateway!.url,
      gatewayAdminUrl: this.gateway!.adminUrl,
      processorMetricsUrl: `${this.processor!.url}/metrics`,
      databaseUrl: this.endpoints.databaseUrl,
      kafkaBrokers: this.endpoints.kafkaBrokers,
      adminToken: this.adminToken,
      logFiles: [this.gateway!.logFile, this.processor!.logFile].map(relative),
      running,
    });
  }
}

async function main(): Promise<number> {
  const parsed = parseDemoArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === 'error') {
    console.error(`demo: ${parsed.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { options } = parsed;

  const demo = new Demo(options);
  // The first Ctrl-C stops the services cleanly; a second one (the default handler) exits at once.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  const interrupted = signalled.then((signal): never => {
    throw new Interrupted(signal);
  });
  interrupted.catch(() => undefined);

  try {
    const summary = await Promise.race([demo.run(), interrupted]);
    console.log(`\n${renderSummary(summary)}\n`);
    if (options.jsonFile) {
      fs.writeFileSync(path.resolve(options.jsonFile), `${JSON.stringify(summary, null, 2)}\n`);
      console.log(`Summary written to ${options.jsonFile}\n`);
    }
    if (options.keepRunning) {
      console.log(demo.where(true));
      await Promise.race([signalled, demo.gateway!.exited, demo.processor!.exited]);
      const reason = demo.giveUp();
      console.log(reason ? `\n${reason}; stopping` : '\nstopping the gateway and the processor');
      await demo.stop();
    } else {
      await demo.stop();
      console.log(demo.where(false));
    }
    return summary.allHeld ? EXIT.ok : EXIT.broken;
  } catch (err) {
    if (err instanceof Interrupted) console.log(`\n${err.signal}: stopping the gateway and the processor`);
    else console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n(is the stack up? \`npm run stack:up\`; service logs are in .stack/logs/)`);
    await demo.stop();
    return err instanceof Interrupted ? 130 : EXIT.failure;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(EXIT.failure);
  },
);
