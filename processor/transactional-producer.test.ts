import { EventEmitter } from 'node:events';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FatalProcessorError } from './errors.ts';
import { ProcessorMetrics } from './metrics.ts';
import { TransactionalProducer, type TransactionContent } from './transactional-producer.ts';

type Step = 'sendOffsets' | 'commit' | 'abort';
const never = new Promise<never>(() => undefined);

/** A KafkaJS-style transactional producer whose given steps never answer (librdkafka #5456). */
class FakeProducer {
  readonly calls: string[] = [];
  private active = false;
  private readonly native = Object.assign(new EventEmitter(), {
    produce: () => true,
    isConnected: () => true,
    flush: (_ms: number, cb: (err: null) => void) => setImmediate(() => cb(null)),
  });

  constructor(private readonly hangs: ReadonlySet<Step>) {}

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
    return this.hangs.has(step) ? never : Promise.resolve();
  }
}

const content: TransactionContent = { topicMessages: [], offsets: { topic: 'requests', partitions: [{ partition: 0, offset: '1' }] } };
const CALL_BOUND_MS = 50;

/** A TransactionalProducer over fakes: client n (0 the first) never answers the steps `hangsOf(n)`. */
function producerOver(hangsOf: (client: number) => Step[]) {
  const clients: FakeProducer[] = [];
  const create = () => {
    const client = new FakeProducer(new Set(hangsOf(clients.length)));
    clients.push(client);
    return client as unknown as KafkaJS.Producer;
  };
  const metrics = new ProcessorMetrics();
  const producer = new TransactionalProducer(create, {} as KafkaJS.Consumer, metrics, pino({ level: 'silent' }), 1000, 1000, CALL_BOUND_MS);
  return { producer, clients, metrics };
}

describe('TransactionalProducer, when librdkafka never answers a call', () => {
  it('replaces the producer when sending the offsets hangs (nothing committed), and the retried transaction commits', async () => {
    const { producer, clients, metrics } = producerOver((n) => (n === 0 ? ['sendOffsets'] : []));
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
    const { producer, clients } = producerOver((n) => (n === 0 ? ['commit'] : []));
    await producer.start();
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/outcome is unknown .*committing the transaction/);
    expect(clients).toHaveLength(1);
  });

  it('exits once two calls are left unanswered: each holds one of the few libuv worker threads', async () => {
    // Every client hangs, as while the group coordinator stays away.
    const { producer, clients } = producerOver(() => ['sendOffsets']);
    await producer.start();
    await expect(producer.run(content)).rejects.toThrow(/sending the offsets/);
    expect(clients).toHaveLength(2);
    const failure = await producer.run(content).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FatalProcessorError);
    expect((failure as Error).message).toMatch(/2 transactional calls never returned/);
  });
});
