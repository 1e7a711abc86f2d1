/** The messages of an error and of the causes under it, outermost first (at most `max`). */
export function causesOf(err: unknown, max = 5): string[] {
  const messages: string[] = [];
  for (let e: unknown = err; e !== undefined && messages.length < max; e = e instanceof Error ? e.cause : undefined) {
    messages.push(e instanceof Error ? e.message : String(e));
  }
  return messages;
}
