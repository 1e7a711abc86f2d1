/** The real processor as a child process for the tests, in the shared group or a group of its own. */
import { randomUUID } from 'node:crypto';
import { resetGroupToEnd } from '../../ops/verify/group-offsets.ts';
import { startProcessor, type ProcessorOptions, type ServiceProcess } from '../../ops/run/service-process.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { kafkaConnectionFromEnv } from '../../platform/kafka-config.ts';

export type ProcessorProcess = ServiceProcess;

/** The real processor as a child process (see ops/run/service-process.ts). */
export const ProcessorProcess = {
  start: (opts: ProcessorOptions): Promise<ServiceProcess> => startProcessor(opts),

  /**
   * A processor in a consumer group of its own, moved to the end of the requests topic: it sees
   * only records produced after this call, and no other processor takes its partitions — for
   * fault tests that must know which instance decides what.
   */
  async startAlone(opts: ProcessorOptions): Promise<ServiceProcess & { groupId: string }> {
    const groupId = `test-${opts.instanceId}-${randomUUID().slice(0, 8)}`;
    await resetGroupToEnd(kafkaConnectionFromEnv(), groupId, TOPICS.requests);
    const processor = await startProcessor({ ...opts, env: { PROCESSOR_GROUP_ID: groupId, ...opts.env } });
    return Object.assign(processor, { groupId });
  },
};
