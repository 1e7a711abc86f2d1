import { describe, expect, it } from 'vitest';
import { parseBrokerRequest } from './broker-command.ts';
import { THREE_BROKERS } from './kafka.ts';

describe('parseBrokerRequest', () => {
  it('maps a node id to the broker index', () => {
    expect(parseBrokerRequest(THREE_BROKERS, ['stop', '1'])).toEqual({ action: 'stop', index: 0 });
    expect(parseBrokerRequest(THREE_BROKERS, ['kill', '3'])).toEqual({ action: 'kill', index: 2 });
    expect(parseBrokerRequest(THREE_BROKERS, ['start', '2'])).toEqual({ action: 'start', index: 1 });
  });

  it('refuses unknown actions and node ids outside the layout', () => {
    expect(() => parseBrokerRequest(THREE_BROKERS, ['restart', '1'])).toThrow(/unknown action "restart"/);
    expect(() => parseBrokerRequest(THREE_BROKERS, [])).toThrow(/unknown action/);
    for (const bad of ['0', '4', 'x', '1.5', undefined]) {
      expect(() => parseBrokerRequest(THREE_BROKERS, ['stop', ...(bad === undefined ? [] : [bad])])).toThrow(/node id must be 1-3/);
    }
  });
});
