import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LagReport } from '../../ops/cli/lag.ts';
import { resetGroupOffsets } from '../../ops/verify/group-offsets.ts';
import { topicEnds } from '../../ops/verify/read-committed.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { eventually } from '../support/eventually.ts';
import { opsJson, runOps } from '../support/ops-cli.ts';
import { ProcessorProcess } from '../support/processor-process.ts';
import { createCoupon, pool, request, RequestProducer } from '../support/requests.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';

describe('coupon-ops lag', () => {
  let db: pg.Pool;
  let producer: RequestProducer;

  beforeAll(async () => {
    db = pool();
    producer = await new RequestProducer().connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await db.end();
  });

  it('reports a group\'s lag per partition and its oldest pending request', async () => {
    const coupon = await createCoupon(db, 10);
    const before = Date.now();
    const sent = await producer.send(Array.from({ length: 5 }, (_, i) => request(coupon, i + 1)));
    const { partition, offset: first } = sent[0]!;
    // The group stands right before this test's records in their partition, at the end elsewhere.
    const group = `ops-lag-${randomUUID()}`;
    const position = await topicEnds(TOPICS.requests);
    position.set(partition, first);
    await resetGroupOffsets(kafkaConnectionFromEnv(), group, TOPICS.requests, position);

    const report = await opsJson<LagReport>(['lag'], { PROCESSOR_GROUP_ID: group });
    expect(report.group).toBe(group);
    const mine = report.partitions.find((p) => p.partition === partition)!;
    expect(mine.committed).toBe(first);
    // Other tests may have appended since: at least this test's records are pending.
    expect(mine.lag).toBeGreaterThanOrEqual(5);
    expect(mine.oldestPendingOffset).toBe(first);
    expect(mine.oldestPendingAt).toBeGreaterThanOrEqual(before - 1000);
    expect(report.oldestPendingAgeMs).toBeGreaterThanOrEqual(report.at - mine.oldestPendingAt!);
    expect(report.totalLag).toBeGreaterThanOrEqual(5);

    // The group has offsets but no member: nobody will ever read those records.
    expect(report.ownersKnown).toBe(true);
    expect(mine.owner).toBeNull();

    const human = await runOps(['lag'], { PROCESSOR_GROUP_ID: group });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^group ${group} on coupon-issue-requests: lag [\\d,]+, oldest pending request .* old`));
    expect(human.stdout).toMatch(new RegExp(`^\\s+${partition}\\s+${first}\\s.*\\sNONE$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`\\(partitions? [\\d, ]*\\b${partition}\\b[\\d, ]* ha(s|ve) lag and no owner`));
  });

  it('names the processor instance that owns each partition', async () => {
    const processor = await (await ProcessorProcess.startAlone({ instanceId: 'lag-owner' })).ready();
    try {
      // Its member id is in the group once its first assignment is done.
      let report: LagReport | undefined;
      await eventually(async () => (report = await opsJson<LagReport>(['lag'], { PROCESSOR_GROUP_ID: processor.groupId })).partitions.every((p) => p.owner !== null), 30_000, 500);
      expect(new Set(report!.partitions.map((p) => p.owner))).toEqual(new Set([`${processor.groupId}-lag-owner`]));
    } finally {
      await processor.stop('SIGTERM');
    }
  });

  it('exits 2 on bad configuration, 1 when Kafka cannot be reached', async () => {
    const bad = await runOps(['lag'], { KAFKA_BROKERS: 'not a broker list' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/KAFKA_BROKERS: expected host:port/);
    const down = await runOps(['lag'], { KAFKA_BROKERS: '127.0.0.1:19251' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: reading the offsets of group .* from Kafka \(127.0.0.1:19251\) failed\n {2}caused by: /);
  });
});
