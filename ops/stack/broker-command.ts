/**
 * `broker stop|kill|start <n>`: one broker of a multi-broker layout, for fault tests. The other
 * brokers keep running untouched; pid files always say what runs.
 */
import { plaintextConnection } from '../../platform/kafka-config.ts';
import { brokerProcessName, checkKafka, startBroker, stopBroker, type KafkaLayout } from './kafka.ts';
import { isAlive, lastLines, logFile, readPid } from './process.ts';
import { waitFor } from '../run/wait-for.ts';

export type BrokerAction = 'stop' | 'kill' | 'start';

export interface BrokerRequest {
  action: BrokerAction;
  /** 0-based index into the layout's brokers. */
  index: number;
}

/** Parses `<action> <node id>` (node ids count from 1, as in the brokers' configs). */
export function parseBrokerRequest(layout: KafkaLayout, args: readonly string[]): BrokerRequest {
  const [action, node] = args;
  if (action !== 'stop' && action !== 'kill' && action !== 'start') throw new Error(`broker: unknown action "${action ?? ''}" (use stop, kill or start)`);
  const id = Number(node);
  if (!Number.isInteger(id) || id < 1 || id > layout.brokerPorts.length) {
    throw new Error(`broker: node id must be 1-${layout.brokerPorts.length}, got "${node ?? ''}"`);
  }
  return { action, index: id - 1 };
}

/** Starts one broker and waits until it answers a metadata request itself. */
export async function startOneBroker(layout: KafkaLayout, index: number, timeoutMs = 90_000): Promise<void> {
  const name = brokerProcessName(layout, index);
  if (!isAlive(readPid(name))) startBroker(layout, index);
  await waitFor(() => checkKafka(plaintextConnection(`127.0.0.1:${layout.brokerPorts[index]}`)).then(() => true), timeoutMs, 250, () =>
    isAlive(readPid(name)) ? undefined : `${name} exited:\n${lastLines(logFile(name))}`,
  );
}

export async function brokerCommand(layout: KafkaLayout, args: readonly string[]): Promise<string> {
  const { action, index } = parseBrokerRequest(layout, args);
  const name = brokerProcessName(layout, index);
  if (action === 'start') {
    const was = readPid(name);
    await startOneBroker(layout, index);
    return isAlive(was) ? `${name}: already running` : `${name}: started (pid ${readPid(name)})`;
  }
  const running = await stopBroker(layout, index, action);
  return running ? `${name}: ${action === 'kill' ? 'killed' : 'stopped'}` : `${name}: was not running`;
}
