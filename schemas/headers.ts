/** Kafka record headers the services and the operator tools agree on. */

export const HEADERS = {
  /**
   * On a request re-produced from the DLQ (`coupon-ops dlq replay`): `<partition>:<offset>` of the
   * dead letter it came from. The processor decides such a request afresh when its event id has a
   * FAILED outcome (the cause may have been fixed), and treats it as any replay otherwise.
   */
  replayedFrom: 'coupon-replayed-from',
} as const;

export interface TopicPosition {
  partition: number;
  offset: number;
}

export const formatPosition = (p: TopicPosition): string => `${p.partition}:${p.offset}`;

/** `<partition>:<offset>` (non-negative integers), or null when the text is not one. */
export function parsePosition(text: string): TopicPosition | null {
  const match = /^(\d{1,9}):(\d{1,18})$/.exec(text.trim());
  if (!match) return null;
  const position = { partition: Number(match[1]), offset: Number(match[2]) };
  return Number.isSafeInteger(position.offset) ? position : null;
}
