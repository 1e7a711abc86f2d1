/**
 * What a command runs with: the configuration (parsed on first use), a progress line on stderr,
 * and clients opened on first use and closed when the command ends. Client libraries are imported
 * only when a command asks for a client, so `--help` loads none of them.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { PartitionPosition } from '../../platform/group-positions.ts';
import type { RedisClient } from '../../platform/redis-connection.ts';
import type { Serde } from '../../schemas/serde.ts';
import { Progress } from '../demo/progress.ts';
import type { CommandGroup, CommandSpec } from './args.ts';
import { loadOpsConfig, type OpsConfig } from './config.ts';

/** A step of a command failed; the message says which, the cause says why. */
export class OpsError extends Error {
  override name = 'OpsError';
}

/** Work shorter than this shows no progress at all. */
const QUIET_MS = 500;

export interface Tracker {
  update(done: number, total: number): void;
  /** Ends the progress line (if one was shown). */
  finish(): void;
}

/** Commands fail rather than wait when a server does not answer. */
const REDIS_COMMAND_TIMEOUT_MS = 5000;
/** How long a command waits for a first answer from Kafka before it lets the admin client report an unreachable cluster itself (a refusal is reported at once). */
const PROBE_TIMEOUT_MS = 3000;

export class OpsContext {
  readonly progress = new Progress(process.stderr);
  private parsed?: OpsConfig;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly opened = new Map<string, Promise<unknown>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  config(): OpsConfig {
    this.parsed ??= loadOpsConfig(this.env);
    return this.parsed;
  }

  /**
   * A pino logger on stderr for the client libraries, silent unless LOG_LEVEL asks: a command
   * reports a failure once, as an error naming what it tried (see step), not as client log lines.
   */
  log(): Promise<Logger> {
    return this.once('log', async () => {
      const { pino } = await import('pino');
      return pino({ level: this.env.LOG_LEVEL?.trim() || 'silent', base: undefined }, pino.destination(2));
    });
  }

  /** Progress of one long step on stderr as `label: done/total`, once it has taken longer than QUIET_MS. */
  track(label: string, now: () => number = Date.now): Tracker {
    const started = now();
    let last: string | undefined;
    return {
      update: (done, total) => {
        if (now() - started < QUIET_MS) return;
        last = `${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
        this.progress.update(last);
      },
      finish: () => {
        if (last !== undefined) this.progress.done(last);
      },
    };
  }

  /** Runs one step of a command; a failure becomes an OpsError saying what was being done. */
  async step<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof OpsError) throw err;
      throw new OpsError(`${what} failed`, { cause: err });
    }
  }

  kafka(): Promise<KafkaJS.Kafka> {
    return this.once('kafka', async () => {
      const [{ KafkaJS: K }, { kafkaJsClient }] = await Promise.all([import('@confluentinc/kafka-javascript'), import('../../platform/kafka-config.ts')]);
      return kafkaJsClient(this.config().kafka, { clientId: 'coupon-ops', log: await this.log(), logLevel: K.logLevel.WARN });
    });
  }

  /** A refused login or certificate ends the command at once with the broker's reason (checked once). */
  kafkaAccess(): Promise<void> {
    return this.once('kafka-access', async () => {
      const { checkKafkaAccess } = await import('../../platform/kafka-refusal.ts');
      await checkKafkaAccess(this.config().kafka, PROBE_TIMEOUT_MS);
    });
  }

  /** Where the processor group stands on the requests topic (platform/group-positions.ts: a consumer, not the admin API). */
  async processorPositions(): Promise<PartitionPosition[]> {
    await this.kafkaAccess();
    const [{ groupPositions }, { TOPICS }] = await Promise.all([import('../../platform/group-positions.ts'), import('../../schemas/topics.ts')]);
    return groupPositions(this.config().kafka, this.config().processorGroupId, TOPICS.requests);
  }

  admin(): Promise<KafkaJS.Admin> {
    return this.once('admin', async () => {
      await this.kafkaAccess();
      const admin = (await this.kafka()).admin();
      await admin.connect();
      this.closers.push(() => admin.disconnect());
      return admin;
    });
  }

  db(): Promise<pg.Pool> {
    return this.once('db', async () => {
      const { default: pgModule } = await import('pg');
      const pool = new pgModule.Pool({ connectionString: this.config().databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
      this.closers.push(() => pool.end());
      return pool;
    });
  }

  redis(): Promise<RedisClient> {
    return this.once('redis', async () => {
      const { connectRedis } = await import('../../platform/redis-connection.ts');
      const client = await connectRedis(this.config().redis, REDIS_COMMAND_TIMEOUT_MS, await this.log());
      this.closers.push(async () => client.disconnect());
      return client;
    });
  }

  serde(): Promise<Serde> {
    return this.once('serde', async () => {
      const { Serde: SerdeClass } = await import('../../schemas/serde.ts');
      return new SerdeClass(this.config().registry);
    });
  }

  /** Registers a client to close at the end (a command's own producer or consumer). */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    await Promise.allSettled(closers.map((c) => c()));
  }

  /** Opens a client on first use; one that failed to open is opened again by the next call (a command that retries). */
  private once<T>(name: string, open: () => Promise<T>): Promise<T> {
    let client = this.opened.get(name) as Promise<T> | undefined;
    if (!client) {
      client = open();
      this.opened.set(name, client);
      client.catch(() => this.opened.delete(name));
    }
    return client;
  }
}

export type OpsCommand = CommandSpec<OpsContext>;
export type OpsCommandGroup = CommandGroup<OpsContext>;
