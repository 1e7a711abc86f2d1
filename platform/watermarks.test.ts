import Kafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { watermarks } from './watermarks.ts';

type Consumer = Parameters<typeof watermarks>[0];
const E = Kafka.CODES.ERRORS;

/** A consumer whose watermark query answers the given error codes first, then the offsets. */
function answering(codes: number[]): { consumer: Consumer; asked: () => number } {
  let asked = 0;
  const consumer = {
    queryWatermarkOffsets(_topic: string, _partition: number, _timeout: number, cb: (err: unknown, offsets?: Kafka.WatermarkOffsets) => void) {
      const code = codes[asked++];
      if (code === undefined) cb(null, { lowOffset: 0, highOffset: 42 });
      else cb(Object.assign(new Error(`code ${code}`), { code }));
    },
  } as unknown as Consumer;
  return { consumer, asked: () => asked };
}

describe('watermarks', () => {
  it('asks again while the broker says it is not (yet) the leader', async () => {
    const { consumer, asked } = answering([E.ERR_NOT_LEADER_FOR_PARTITION, E.ERR_LEADER_NOT_AVAILABLE]);
    await expect(watermarks(consumer, 't', 0, 5_000)).resolves.toEqual({ lowOffset: 0, highOffset: 42 });
    expect(asked()).toBe(3);
  });

  it('gives up with the last answer at the deadline', async () => {
    const { consumer } = answering(Array<number>(1_000).fill(E.ERR_NOT_LEADER_FOR_PARTITION));
    await expect(watermarks(consumer, 't', 0, 250)).rejects.toMatchObject({ code: E.ERR_NOT_LEADER_FOR_PARTITION });
  });

  it('does not retry other errors', async () => {
    const { consumer, asked } = answering([E.ERR_TOPIC_AUTHORIZATION_FAILED]);
    await expect(watermarks(consumer, 't', 0, 5_000)).rejects.toMatchObject({ code: E.ERR_TOPIC_AUTHORIZATION_FAILED });
    expect(asked()).toBe(1);
  });
});
