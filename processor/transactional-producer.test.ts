import { EventEmitter } from 'node:events';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FatalProcessorError } from './errors.ts';
import { ProcessorMetrics } from './metrics.ts';
import { TransactionalProducer, type TransactionContent } from './transactional-producer.ts';

type Step = 'sendOffsets' | 'commit' | 'abort';
/** What a step of the fake does: answer, never answer (librdkafka #5456), or fail with this error. */
type Behaviour = 'answer' | 'hang' | Error;
const never = new Promise<never>(() => undefined);

/** A KafkaJS-style transactional producer whose steps behave as told. */
class FakeProducer {
  readonly calls: string[] = [];
  private active = false;
  private readonly native = Object.assign(new EventEmitter(), {
    produce: () => true,
    isConnected: () => true,
    flush: (_ms: number, cb: (err: null) => void) => setImmediate(() => cb(null)),
  });

  constructor(private readonly behaviour: Partial<Record<Step, Behaviour>>) {}

  _getInternalClient() {
    return this.native;
  }
  async connect() {
    this.calls.push('connect');
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
  isActive() {
    return this.active;
  }
  async transaction() {
    this.active = true;
    return {
      sendOffsets: () => this.step('sendOffsets'),
      commit: () => this.step('commit').then(() => void (this.active = false)),
    };
  }
  abort() {
    return this.step('abort').then(() => void (this.active = false));
  }
  private step(step: Step): Promise<void> {
    this.calls.push(step);
    const b = this.behaviour[step] ?? 'answer';
    return b === 'answer' ? Promise.resolve() : b === 'hang' ? never : Promise.reject(b);
  }
}

const content: TransactionContent = { topicMessages: [], offsets: { topic: 'requests', partitions: [{ partition: 0, offset: '1' }] } };
const CALL_BOUND_MS = 50;
const TRANSACTION_TIMEOUT_MS = 300;

const hanging = (...steps: Step[]): Partial<Record<Step, Behaviour>> => Object.fromEntries(steps.map((s) => [s, 'hang']));

/** A TransactionalProducer over fakes: client n (0 the first) behaves as `behaviourOf(n)`. */
function producerOver(behaviourOf: (client: number) => Partial<Record<Step, Behaviour>>, fencedGraceMs = 0) {
  const clients: FakeProducer[] = [];
  const create = () => {
    const client = new FakeProducer(behaviourOf(clients.length));
    clients.push(client);
    return client as unknown as KafkaJS.Producer;
  };
  const metrics = new ProcessorMetrics();
  const producer = new TransactionalProducer(create, {} as KafkaJS.Consumer, metrics, pino({ level: 'silent' }), TRANSACTION_TIMEOUT_MS, 1000, CALL_BOUND_MS, fencedGraceMs);
  return { producer, clients, metrics };
}

describe('TransactionalProducer, when librdkafka never answers a call', () => {
  it('replaces the producer when sending the offsets hangs (nothing committed), and the retried transaction commits', async () => {
    const { producer, clients, metrics } = producerOver((n) => (n === 0 ? hanging('sendOffsets') : {}));
    await producer.start();
    await expect(producer.run(content)).rejects.toThrow(/sending the offsets to the transaction: no answer/);
    expect(clients).toHaveLength(2);
    // No abort: it would conflict with the call still in librdkafka; the new client's initialisation aborts the transaction.
    expect(clients[0]!.calls).toEqual(['connect', 'sendOffsets', 'disconnect']);
    await producer.run(content);
    expect(clients[1]!.calls).toEqual(['connect', 'sendOffsets', 'commit']);
    expect((await metrics.registry.getSingleMetric('coupon_processor_producer_resets_total')!.get()).values[0]!.value).toBe(1);
  });

  it('exits (a fatal error) when the commit never answers: whether it committed is unknown', async () => {
    const { producer, clients } = producerOver((n) => (n === 0 ? hanging('commit') : {}));
    await producer.start();
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/outcome is unknown .*committing the transaction/);
    expect(clients).toHaveLength(1);
  });

  it('exits once two calls are left unanswered: each holds one of the few libuv worker threads', async () => {
    // Every client hangs, as while the group coordinator stays away.
    const { producer, clients } = producerOver(() => hanging('sendOffsets'));
    await producer.start();
    await expect(producer.run(content)).rejects.toThrow(/sending the offsets/);
    expect(clients).toHaveLength(2);
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/2 transactional calls never returned/);
  });
});

describe('TransactionalProducer, when a commit keeps failing', () => {
  const timedOut = Object.assign(new Error('commit timed out'), { retriable: true });

  it('aborts, and goes on with the same producer, when the abort succeeds', async () => {
    const { producer, clients } = producerOver(() => ({ commit: timedOut }));
    await producer.start();
    await expect(producer.run(content)).rejects.toThrow('commit timed out');
    expect(clients).toHaveLength(1);
    expect(clients[0]!.calls.at(-1)).toBe('abort');
  });

  it('exits (a fatal error) when its transaction cannot be aborted either: it may have committed', async () => {
    const { producer, clients } = producerOver(() => ({ commit: timedOut, abort: new Error('commit_transaction is in progress') }));
    await producer.start();
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/outcome is unknown \(commit timed out\)/);
    expect(clients).toHaveLength(1);
  });
});

describe('TransactionalProducer, when fenced', () => {
  // librdkafka's _FENCED: another producer initialised this transactional.id.
  const fenced = Object.assign(new Error('This instance has been fenced by a newer instance'), { code: -144 });
  const GRACE_MS = 100;

  it('replaces the producer after the grace (a coordinator move), and the retried transaction commits', async () => {
    const { producer, clients } = producerOver((n) => (n === 0 ? { commit: fenced } : {}), GRACE_MS);
    await producer.start();
    const started = Date.now();
    await expect(producer.run(content)).rejects.toThrow(/fenced by a newer instance/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_MS - 5);
    expect(clients).toHaveLength(2);
    // No abort: a fenced producer cannot; the new client's initialisation aborts the transaction.
    expect(clients[0]!.calls).toEqual(['connect', 'sendOffsets', 'commit', 'disconnect']);
    await producer.run(content);
    expect(clients[1]!.calls).toEqual(['connect', 'sendOffsets', 'commit']);
  });

  it('is not replaced when the processor stops during the grace (a zombie: a replacement would fence its newer incarnation)', async () => {
    const { producer, clients } = producerOver(() => ({ commit: fenced }), GRACE_MS);
    await producer.start();
    // As the consumer's fatal FENCED_INSTANCE_ID does through the processor's shutdown.
    setTimeout(() => producer.retire(), GRACE_MS / 4);
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/while the processor stops; not replaced/);
    expect(clients).toHaveLength(1);
  });
});
