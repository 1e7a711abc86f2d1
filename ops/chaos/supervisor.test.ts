import { describe, expect, it } from 'vitest';
import { lastFatalMessage } from './supervisor.ts';

describe('lastFatalMessage', () => {
  it("reads the last fatal line's message and error, skipping a line cut short", () => {
    const log = [
      '{"level":60,"msg":"old","err":{"message":"first"}}',
      '{"level":40,"msg":"warning"}',
      '{"level":60,"msg":"the processor stops","err":{"message":"fenced"}}',
      '{"level":60,"msg":"cut sh',
    ].join('\n');
    expect(lastFatalMessage(log)).toBe('the processor stops: fenced');
  });

  it('is undefined without a fatal line', () => {
    expect(lastFatalMessage('{"level":30,"msg":"hi"}\n')).toBeUndefined();
  });
});
