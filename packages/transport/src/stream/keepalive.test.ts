import { SimulatedClock } from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { Keepalive } from './keepalive.js';

function setup() {
  const clock = new SimulatedClock(0);
  const log: string[] = [];
  const keepalive = new Keepalive(clock, 100, 300, {
    ping: () => log.push(`ping@${clock.now()}`),
    silent: (ms) => log.push(`silent ${ms}@${clock.now()}`),
  });
  keepalive.start();
  return { clock, log, keepalive };
}

describe('Keepalive', () => {
  it('pings after an interval with nothing sent, and not when something was', () => {
    const { clock, log, keepalive } = setup();
    keepalive.received();
    clock.advance(100);
    keepalive.sent();
    keepalive.received();
    clock.advance(100);
    expect(log).toEqual(['ping@100']);
  });

  it('declares the peer silent once nothing arrived for the timeout, then stops', () => {
    const { clock, log } = setup();
    clock.advance(1_000);
    expect(log).toEqual(['ping@100', 'ping@200', 'ping@300', 'silent 300@300']);
    expect(clock.pending).toBe(0);
  });

  it('does not count silence while held', () => {
    const { clock, log, keepalive } = setup();
    keepalive.hold(true);
    clock.advance(1_000);
    expect(log.some((l) => l.startsWith('silent'))).toBe(false);
    keepalive.hold(false);
    clock.advance(300);
    expect(log.at(-1)).toBe('silent 300@1300');
  });
});
