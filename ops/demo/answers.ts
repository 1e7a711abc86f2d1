/** What the flash sale's requests got back from the gateway, and how the demo counts them. */

/** A user's first request, the same user asking again, or a request the gateway must refuse as malformed. */
export type RequestKind = 'first' | 'repeat' | 'malformed';

export interface Answer {
  kind: RequestKind;
  /** The HTTP status; 0 when no answer arrived (the connection failed). */
  status: number;
  /** `error.code` of an error answer, or the connection error's code. */
  code: string | undefined;
  /** The event id of a 202. */
  eventId: string | undefined;
  /** From sending the request to the end of the answer's body. */
  latencyMs: number;
}

export type AnswerClass = 'accepted' | 'alreadyRequested' | 'soldOut' | 'badRequest' | 'other';

export type GateTally = Record<AnswerClass, number>;

export function classifyAnswer(answer: Pick<Answer, 'status' | 'code'>): AnswerClass {
  if (answer.status === 202) return 'accepted';
  if (answer.status === 409 && answer.code === 'ALREADY_REQUESTED') return 'alreadyRequested';
  if (answer.status === 409 && answer.code === 'SOLD_OUT') return 'soldOut';
  if (answer.status === 400) return 'badRequest';
  return 'other';
}

export const emptyTally = (): GateTally => ({ accepted: 0, alreadyRequested: 0, soldOut: 0, badRequest: 0, other: 0 });

export function countAnswer(tally: GateTally, answer: Pick<Answer, 'status' | 'code'>): void {
  tally[classifyAnswer(answer)]++;
}

/** The `eventId` or `error.code` of an answer body; anything unreadable yields neither. */
export function readAnswerBody(text: string): { eventId: string | undefined; code: string | undefined } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { eventId: undefined, code: undefined };
  }
  const field = (object: unknown, key: string): unknown => (object !== null && typeof object === 'object' ? (object as Record<string, unknown>)[key] : undefined);
  const eventId = field(body, 'eventId');
  const code = field(field(body, 'error'), 'code');
  return { eventId: typeof eventId === 'string' ? eventId : undefined, code: typeof code === 'string' ? code : undefined };
}

/** The event ids of the accepted (202) requests. */
export function acceptedEventIds(answers: readonly Answer[]): string[] {
  return answers.flatMap((a) => (a.status === 202 && a.eventId ? [a.eventId] : []));
}
